import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../eventually';
import { computeClient } from './armTestClient';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000f1';
const RG = 'rg-primary';
const FAST = { updateIntervalInMs: 10 };

describe('ARM double: injected failures, latency, unreachable regions and copy faults', () => {
  let double: ArmDouble;
  let diskId: string;
  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 600 });
    diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'd',
      location: 'westeurope',
      sizeGB: 16,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
  });
  afterAll(async () => await double.close());

  it("answers an injected error in ARM's error shape, the given number of times", async () => {
    const client = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    const remove = double.inject({
      match: { method: 'GET', pathIncludes: '/disks/' },
      status: 409,
      code: 'Conflict',
      message: 'injected',
      times: 1,
    });
    const error = await client.disks.get(RG, 'd').catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 409, code: 'Conflict', message: 'injected' });
    expect((await client.disks.get(RG, 'd')).name).toBe('d');
    remove();
    expect(double.stats().injectedFaults).toBe(1);
  });

  it('sends Retry-After with an injected 429, which the SDK honours', async () => {
    const client = computeClient(double, SUB);
    double.inject({
      match: { pathIncludes: '/disks/d' },
      status: 429,
      code: 'TooManyRequests',
      retryAfterSeconds: 1,
      times: 1,
    });
    const startedAt = Date.now();
    expect((await client.disks.get(RG, 'd')).name).toBe('d');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
  });

  it('delays answers by an injected latency', async () => {
    const client = computeClient(double, SUB);
    const remove = double.inject({ match: { method: 'GET' }, latencyMs: 300, times: 1 });
    const startedAt = Date.now();
    await client.disks.get(RG, 'd');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    remove();
  });

  it('hangs every call about an unreachable region until the rule is removed; other regions answer', async () => {
    const client = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: 'rg-neu',
      name: 'n',
      location: 'northeurope',
      sizeGB: 16,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
    const restore = double.inject({ unreachableRegion: 'westeurope' });
    const hung = await client.disks
      .get(RG, 'd', { abortSignal: AbortSignal.timeout(300) })
      .catch((e: unknown) => e);
    expect(hung).toMatchObject({ name: 'AbortError' });
    expect((await client.disks.get('rg-neu', 'n')).name).toBe('n');
    const before = double.stats().injectedFaults;
    const held = client.disks.get(RG, 'd').catch((e: unknown) => e);
    await eventually(
      async () => double.stats().injectedFaults,
      (n) => n > before,
    ); // the call is being held
    restore();
    expect(await held).toBeInstanceOf(Error); // the held connection is dropped when the region comes back
    expect((await client.disks.get(RG, 'd')).name).toBe('d');
  });

  it('resets connections for an unreachable region with behaviour "reset"', async () => {
    const client = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    const restore = double.inject({ unreachableRegion: 'West Europe', behaviour: 'reset' });
    expect(await client.disks.get(RG, 'd').catch((e: unknown) => e)).toBeInstanceOf(Error);
    restore();
  });

  it('stalls an injected copy: it never progresses and blocks the next copy of the same disk', async () => {
    const client = computeClient(double, SUB);
    const snap = async (name: string) =>
      await client.snapshots
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
    const copy = async (name: string, sourceId: string) =>
      await client.snapshots
        .createOrUpdate(
          'rg-b',
          name,
          {
            location: 'northeurope',
            creationData: { createOption: 'CopyStart', sourceResourceId: sourceId },
          },
          FAST,
        )
        .pollUntilDone();
    const s1 = await snap('s1');
    double.writeToDisk(diskId, 1);
    const s2 = await snap('s2');
    double.inject({ copy: 'stall', match: { targetIncludes: '/t1' }, times: 1 });
    expect((await copy('t1', s1.id!)).provisioningState).toBe('Succeeded');
    await copy('t2', s2.id!);
    double.advance(24 * 60 * 60_000);
    const view = (name: string) => double.snapshots().find((s) => s.name === name);
    expect(view('t1')?.completionPercent).toBe(0);
    expect(view('t2')?.completionPercent).toBe(0);
    // Removing the stuck target lets the disk's next copy run — a full one, since nothing reached the region.
    await client.snapshots.delete('rg-b', 't1', FAST).pollUntilDone();
    double.advance(60 * 60_000);
    expect(view('t2')).toMatchObject({ completionPercent: 100, copyGiB: 16 });
  });

  it('fails an injected copy with its copyCompletionError', async () => {
    const client = computeClient(double, SUB);
    double.writeToDisk(diskId, 1);
    const s3 = await client.snapshots
      .createOrUpdate(
        RG,
        's3',
        {
          location: 'westeurope',
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
        },
        FAST,
      )
      .pollUntilDone();
    double.inject({
      copy: 'fail',
      atPercent: 40,
      errorCode: 'CopySourceNotFound',
      errorMessage: 'gone',
      times: 1,
    });
    await client.snapshots
      .createOrUpdate(
        'rg-b',
        't3',
        { location: 'northeurope', creationData: { createOption: 'CopyStart', sourceResourceId: s3.id! } },
        FAST,
      )
      .pollUntilDone();
    double.advance(60 * 60_000);
    const target = await client.snapshots.get('rg-b', 't3');
    expect(target.copyCompletionError).toEqual({ errorCode: 'CopySourceNotFound', errorMessage: 'gone' });
    expect(target.completionPercent).toBe(40);
  });
});
