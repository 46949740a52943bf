import type { ComputeManagementClient } from '@azure/arm-compute';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClient } from './armTestClient';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000d1';
const RG = 'rg-primary';
const FAST = { updateIntervalInMs: 10 };
const MINUTE = 60_000;

async function readRange(
  double: ArmDouble,
  sasUrl: string,
  start: number,
  end: number,
): Promise<{ status: number; body: Buffer }> {
  return await new Promise((resolve, reject) => {
    const req = request(
      sasUrl,
      { ca: double.ca, headers: { 'x-ms-range': `bytes=${start}-${end}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('ARM double: documented snapshot limits, answered with their codes', () => {
  let double: ArmDouble;
  let client: ComputeManagementClient;
  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 60, limits: { snapshotsPerDisk: 9 } });
    client = computeClient(double, SUB);
  });
  afterAll(async () => await double.close());

  const snap = (diskId: string, name: string) =>
    client.snapshots
      .createOrUpdate(
        RG,
        name,
        {
          location: 'westeurope',
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
        },
        FAST,
      )
      .pollUntilDone();

  it('refuses the 8th incremental snapshot of a disk within 5 minutes, then accepts once the window has passed', async () => {
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'rate',
      location: 'westeurope',
      sizeGB: 64,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    for (let i = 1; i <= 7; i += 1) await snap(diskId, `rate-${i}`);
    const eighth = await snap(diskId, 'rate-8').catch((e: unknown) => e);
    expect(eighth).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(double.stats().refusals['disk.snapshot.rateWindow']).toBe(1);
    // Another disk has its own window.
    const other = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'rate-other',
      location: 'westeurope',
      sizeGB: 64,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    await snap(other, 'rate-other-1');
    double.advance(5 * MINUTE);
    expect((await snap(diskId, 'rate-8')).provisioningState).toBe('Succeeded');
  });

  it('refuses a snapshot beyond the per-disk total (overridden here to 9; documented 500) until one is deleted', async () => {
    expect(double.stats().overriddenLimits).toEqual({ snapshotsPerDisk: 9 });
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'total',
      location: 'westeurope',
      sizeGB: 64,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    for (let i = 1; i <= 9; i += 1) {
      if (i === 8) double.advance(5 * MINUTE);
      await snap(diskId, `total-${i}`);
    }
    double.advance(5 * MINUTE);
    const tenth = await snap(diskId, 'total-10').catch((e: unknown) => e);
    expect(tenth).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(double.stats().refusals['disk.snapshot.perDisk']).toBe(1);
    await client.snapshots.delete(RG, 'total-1', FAST).pollUntilDone();
    expect((await snap(diskId, 'total-10')).provisioningState).toBe('Succeeded');
  });

  it("refuses an incremental snapshot outside the disk's subscription or region", async () => {
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'where',
      location: 'westeurope',
      sizeGB: 64,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    const elsewhere = computeClient(double, '00000000-0000-0000-0000-0000000000d2');
    const otherSub = await elsewhere.snapshots
      .createOrUpdate(
        RG,
        'x',
        {
          location: 'westeurope',
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
        },
        FAST,
      )
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(otherSub).toMatchObject({ statusCode: 400 });
    const otherRegion = await client.snapshots
      .createOrUpdate(
        RG,
        'y',
        {
          location: 'northeurope',
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
        },
        FAST,
      )
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(otherRegion).toMatchObject({ statusCode: 400 });
    expect(double.stats().refusals).toMatchObject({
      'disk.snapshot.sameSubscription': 1,
      'disk.snapshot.sameRegion': 1,
    });
  });

  it('requires a disk encryption set in the target region to copy a disk encrypted with a customer-managed key', async () => {
    const des = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/diskEncryptionSets/des-weu`;
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'cmk',
      location: 'westeurope',
      sizeGB: 64,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      encryption: { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: des },
    });
    const source = await snap(diskId, 'cmk-1');
    const copy = (encryption?: { diskEncryptionSetId: string }) =>
      client.snapshots
        .createOrUpdate(
          RG,
          'cmk-1-neu',
          {
            location: 'northeurope',
            creationData: { createOption: 'CopyStart', sourceResourceId: source.id! },
            ...(encryption ? { encryption } : {}),
          },
          FAST,
        )
        .pollUntilDone();
    expect(await copy().catch((e: unknown) => e)).toMatchObject({ statusCode: 400 });
    const target = await copy({ diskEncryptionSetId: des.replace('des-weu', 'des-neu') });
    expect(target.encryption?.diskEncryptionSetId).toContain('des-neu');
  });
});

describe('ARM double: snapshot SAS (beginGetAccess / endGetAccess)', () => {
  let double: ArmDouble;
  let client: ComputeManagementClient;
  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 600, limits: { sasPerSnapshotFamily: 2 } });
    client = computeClient(double, SUB);
  });
  afterAll(async () => await double.close());

  it('grants a read SAS whose ranges equal across a completed copy and differ for a corrupted one; revoking ends it', async () => {
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'sas',
      location: 'westeurope',
      sizeGB: 8,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    const source = await client.snapshots
      .createOrUpdate(
        RG,
        'sas-1',
        {
          location: 'westeurope',
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
        },
        FAST,
      )
      .pollUntilDone();
    await client.snapshots
      .createOrUpdate(
        'rg-b',
        'sas-1-neu',
        {
          location: 'northeurope',
          creationData: { createOption: 'CopyStart', sourceResourceId: source.id! },
        },
        FAST,
      )
      .pollUntilDone();
    double.advance(30 * 60_000);
    const removeCorrupt = double.inject({ copy: 'corrupt', match: { targetIncludes: 'sas-1-uks' } });
    await client.snapshots
      .createOrUpdate(
        'rg-c',
        'sas-1-uks',
        { location: 'uksouth', creationData: { createOption: 'CopyStart', sourceResourceId: source.id! } },
        FAST,
      )
      .pollUntilDone();
    removeCorrupt();
    double.advance(30 * 60_000);

    const sasOf = async (rg: string, name: string) =>
      (
        await client.snapshots
          .grantAccess(rg, name, { access: 'Read', durationInSeconds: 3600 }, FAST)
          .pollUntilDone()
      ).accessSAS!;
    const sourceSas = await sasOf(RG, 'sas-1');
    const copySas = await sasOf('rg-b', 'sas-1-neu');
    const corruptSas = await sasOf('rg-c', 'sas-1-uks');
    const [a, b, c] = await Promise.all(
      [sourceSas, copySas, corruptSas].map(async (url) => await readRange(double, url, 4096, 8191)),
    );
    expect(a!.status).toBe(206);
    expect(a!.body).toHaveLength(4096);
    expect(b!.body.equals(a!.body)).toBe(true);
    expect(c!.body.equals(a!.body)).toBe(false);

    await client.snapshots.revokeAccess(RG, 'sas-1', FAST).pollUntilDone();
    expect((await readRange(double, sourceSas, 0, 511)).status).toBe(403);
  });

  it('refuses a SAS beyond the family limit (overridden here to 2; documented 5)', async () => {
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'fam',
      location: 'westeurope',
      sizeGB: 8,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    for (const n of [1, 2, 3]) {
      await client.snapshots
        .createOrUpdate(
          RG,
          `fam-${n}`,
          {
            location: 'westeurope',
            incremental: true,
            creationData: { createOption: 'Copy', sourceResourceId: diskId },
          },
          FAST,
        )
        .pollUntilDone();
    }
    await client.snapshots
      .grantAccess(RG, 'fam-1', { access: 'Read', durationInSeconds: 600 }, FAST)
      .pollUntilDone();
    await client.snapshots
      .grantAccess(RG, 'fam-2', { access: 'Read', durationInSeconds: 600 }, FAST)
      .pollUntilDone();
    const third = await client.snapshots
      .grantAccess(RG, 'fam-3', { access: 'Read', durationInSeconds: 600 }, FAST)
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(third).toMatchObject({ statusCode: 409 });
    await client.snapshots.revokeAccess(RG, 'fam-1', FAST).pollUntilDone();
    expect(
      (
        await client.snapshots
          .grantAccess(RG, 'fam-3', { access: 'Read', durationInSeconds: 600 }, FAST)
          .pollUntilDone()
      ).accessSAS,
    ).toBeTruthy();
  });

  it('refuses a SAS on a snapshot of a disk whose network access policy is DenyAll', async () => {
    const diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'deny',
      location: 'westeurope',
      sizeGB: 8,
      osType: 'Linux',
      hyperVGeneration: 'V2',
      networkAccessPolicy: 'DenyAll',
    });
    const snap = await client.snapshots
      .createOrUpdate(
        RG,
        'deny-1',
        {
          location: 'westeurope',
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
        },
        FAST,
      )
      .pollUntilDone();
    expect(snap.networkAccessPolicy).toBe('DenyAll');
    const error = await client.snapshots
      .grantAccess(RG, 'deny-1', { access: 'Read', durationInSeconds: 600 }, FAST)
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 409 });
    expect(double.stats().refusals['disk.sas.denyAll']).toBe(1);
  });
});
