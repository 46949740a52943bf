import type { ComputeManagementClient } from '@azure/arm-compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClient } from './armTestClient';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000c1';
const PRIMARY = 'rg-primary';
const BACKUP = 'rg-backup';
const FAST = { updateIntervalInMs: 10 };
const MINUTE = 60_000;

describe('ARM double: CopyStart across regions', () => {
  let double: ArmDouble;
  let client: ComputeManagementClient;
  let diskId: string;

  const snapshot = async (name: string) =>
    await client.snapshots.createOrUpdate(
      PRIMARY,
      name,
      {
        location: 'westeurope',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: diskId },
      },
      FAST,
    );
  const copy = (name: string, source: string) =>
    client.snapshots.createOrUpdate(
      BACKUP,
      name,
      {
        location: 'northeurope',
        creationData: {
          createOption: 'CopyStart',
          sourceResourceId: `/subscriptions/${SUB}/resourceGroups/${PRIMARY}/providers/Microsoft.Compute/snapshots/${source}`,
        },
      },
      FAST,
    );
  const view = (name: string) => double.snapshots().find((s) => s.name === name);

  beforeAll(async () => {
    // A large scale so LROs finish in milliseconds; the copy's progress is driven with advance().
    double = await startArmDouble({ timeScale: 600 });
    client = computeClient(double, SUB);
    diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: PRIMARY,
      name: 'pc-7-os',
      location: 'westeurope',
      sizeGB: 128,
      osType: 'Windows',
      hyperVGeneration: 'V2',
    });
  });
  afterAll(async () => await double.close());

  it('succeeds its LRO while completionPercent is still below 100, which then rises to 100 over simulated time', async () => {
    await snapshot('s1');
    const target = await copy('t1', 's1');
    expect(target.provisioningState).toBe('Succeeded');
    expect(target.completionPercent).toBeLessThan(100);
    expect(target.incremental).toBe(true);
    expect(target.creationData?.createOption).toBe('CopyStart');

    double.advance(30 * MINUTE); // a full 128 GiB copy at 100 GiB/h takes ~77 min
    const midway = await client.snapshots.get(BACKUP, 't1');
    expect(midway.completionPercent).toBeGreaterThan(0);
    expect(midway.completionPercent).toBeLessThan(100);

    double.advance(60 * MINUTE);
    const done = await client.snapshots.get(BACKUP, 't1');
    expect(done.completionPercent).toBe(100);
    expect(done.copyCompletionError).toBeUndefined();
    expect(view('t1')?.copyGiB).toBe(128); // the first copy into a region is a full one
  });

  it('moves only the changes since the last snapshot in the target region', async () => {
    double.writeToDisk(diskId, 2);
    await snapshot('s2');
    await copy('t2', 's2');
    double.advance(5 * MINUTE);
    expect(view('t2')).toMatchObject({ completionPercent: 100, copyGiB: 2 });
  });

  it('runs copies of one disk one at a time in creation order: the second does not progress until the first completes', async () => {
    double.writeToDisk(diskId, 10);
    await snapshot('s3');
    double.writeToDisk(diskId, 1);
    await snapshot('s4');
    await copy('t3', 's3');
    await copy('t4', 's4');
    double.advance(3 * MINUTE); // 10 GiB takes 6 min
    expect(view('t3')?.completionPercent).toBeGreaterThan(0);
    expect(view('t3')?.completionPercent).toBeLessThan(100);
    expect(view('t4')?.completionPercent).toBe(0);
    double.advance(4 * MINUTE);
    expect(view('t3')?.completionPercent).toBe(100);
    double.advance(2 * MINUTE);
    expect(view('t4')).toMatchObject({ completionPercent: 100, copyGiB: 1 });
    expect(view('t3')!.creationOrder).toBeLessThan(view('t4')!.creationOrder);
  });

  it('refuses a copy out of creation order (an older snapshot after a newer one reached the region)', async () => {
    const error = await copy('t2-again', 's2')
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 409 });
    expect(double.stats().refusals['copy.order']).toBe(1);
  });

  it('makes a full copy when the base in the target region was deleted', async () => {
    for (const name of ['t1', 't2', 't3', 't4'])
      await client.snapshots.delete(BACKUP, name, FAST).pollUntilDone();
    double.writeToDisk(diskId, 1);
    await snapshot('s5');
    await copy('t5', 's5');
    double.advance(90 * MINUTE);
    expect(view('t5')).toMatchObject({ completionPercent: 100, copyGiB: 128 });
  });

  it('fails the target with copyCompletionError CopySourceNotFound when the source is deleted mid-copy', async () => {
    double.writeToDisk(diskId, 50);
    await snapshot('s6');
    await copy('t6', 's6');
    double.advance(5 * MINUTE);
    await client.snapshots.delete(PRIMARY, 's6', FAST).pollUntilDone();
    const target = await client.snapshots.get(BACKUP, 't6');
    expect(target.copyCompletionError?.errorCode).toBe('CopySourceNotFound');
    expect(target.completionPercent).toBeLessThan(100);
    double.advance(120 * MINUTE);
    expect((await client.snapshots.get(BACKUP, 't6')).completionPercent).toBeLessThan(100);
  });

  it('refuses CopyStart into the source region and the CopyStart of a disk', async () => {
    const same = await client.snapshots
      .createOrUpdate(
        PRIMARY,
        'same-region',
        {
          location: 'westeurope',
          creationData: { createOption: 'CopyStart', sourceResourceId: view('s5')!.id },
        },
        FAST,
      )
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(same).toMatchObject({ statusCode: 400 });
    const ofDisk = await client.snapshots
      .createOrUpdate(
        BACKUP,
        'of-disk',
        { location: 'northeurope', creationData: { createOption: 'CopyStart', sourceResourceId: diskId } },
        FAST,
      )
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(ofDisk).toMatchObject({ statusCode: 400 });
  });
});

describe('ARM double: CopyStart concurrency per subscription and target region', () => {
  let double: ArmDouble;
  afterAll(async () => await double.close());

  it('refuses the 101st copy in flight into one region of one subscription, and counts the maximum', async () => {
    double = await startArmDouble({ timeScale: 600 });
    const sub = '00000000-0000-0000-0000-0000000000c2';
    const client = computeClient(double, sub);
    const disks = await Promise.all(
      Array.from(
        { length: 101 },
        async (_, i) =>
          await double.seedDisk({
            subscriptionId: sub,
            resourceGroup: PRIMARY,
            name: `d${i}`,
            location: 'westeurope',
            sizeGB: 64,
            osType: 'Linux',
            hyperVGeneration: 'V2',
          }),
      ),
    );
    for (let i = 0; i < disks.length; i += 20) {
      await Promise.all(
        disks.slice(i, i + 20).map(
          async (id, j) =>
            await client.snapshots
              .createOrUpdate(
                PRIMARY,
                `s${i + j}`,
                {
                  location: 'westeurope',
                  incremental: true,
                  creationData: { createOption: 'Copy', sourceResourceId: id },
                },
                FAST,
              )
              .pollUntilDone(),
        ),
      );
    }
    const start = (n: number) =>
      client.snapshots
        .createOrUpdate(
          BACKUP,
          `t${n}`,
          {
            location: 'northeurope',
            creationData: {
              createOption: 'CopyStart',
              sourceResourceId: `/subscriptions/${sub}/resourceGroups/${PRIMARY}/providers/Microsoft.Compute/snapshots/s${n}`,
            },
          },
          FAST,
        )
        .pollUntilDone();
    for (let i = 0; i < 100; i += 20)
      await Promise.all(Array.from({ length: 20 }, async (_, j) => await start(i + j)));
    const error = await start(100).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 409 });
    // Another region, or another subscription, is not affected.
    const otherRegion = await client.snapshots
      .createOrUpdate(
        BACKUP,
        't100-west',
        {
          location: 'uksouth',
          creationData: {
            createOption: 'CopyStart',
            sourceResourceId: `/subscriptions/${sub}/resourceGroups/${PRIMARY}/providers/Microsoft.Compute/snapshots/s100`,
          },
        },
        FAST,
      )
      .pollUntilDone();
    expect(otherRegion.provisioningState).toBe('Succeeded');
    const stats = double.stats();
    expect(stats.refusals['copy.inFlight']).toBe(1);
    expect(stats.copiesInFlight.find((c) => c.location === 'northeurope')).toMatchObject({
      maxInFlight: 100,
      inFlightNow: 100,
    });

    double.advance(60 * MINUTE); // 64 GiB each, in parallel (different disks): all done
    await start(100);
    expect(double.stats().copiesInFlight.find((c) => c.location === 'northeurope')?.inFlightNow).toBe(1);
  });
});
