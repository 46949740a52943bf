/**
 * The ARM double in a thread of its own (bench/threadedArmDouble.ts), as the recovery-arm
 * benchmark runs it: the real SDK reaches it with the credential it hands out, both threads read
 * one clock (a snapshot made after `advance` is stamped that much later by the double's thread),
 * and its counters and views come back by message.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThreadedArmDouble, type ThreadedArmDouble } from '../../bench/threadedArmDouble';

const sub = '00000000-0000-4000-8000-0000000000b1';
const hourMs = 3_600_000;

describe('startThreadedArmDouble', () => {
  let double: ThreadedArmDouble;
  let client: ComputeManagementClient;
  let diskId: string;

  beforeAll(async () => {
    double = await startThreadedArmDouble({ timeScale: 1, throttling: 'enforce' });
    client = new ComputeManagementClient(double.credential, sub, double.clientOptions());
    [diskId] = (await double.seedDisks([
      {
        subscriptionId: sub,
        resourceGroup: 'rg-sources',
        name: 'pc-1-os',
        location: 'northeurope',
        sizeGB: 16,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        securityType: 'TrustedLaunch',
      },
    ])) as [string];
  }, 60_000);

  afterAll(async () => await double?.close());

  const snapshotAt = async (name: string): Promise<number> => {
    await client.snapshots
      .createOrUpdate('rg-dr', name, {
        location: 'northeurope',
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: diskId },
      })
      .submitted();
    return (await client.snapshots.get('rg-dr', name)).timeCreated!.getTime();
  };

  it('serves the real SDK with its credential, and both threads read one clock', async () => {
    expect((await client.disks.get('rg-sources', 'pc-1-os')).id).toBe(diskId);

    const before = double.clock();
    const first = await snapshotAt('snap-1');
    const after = double.clock();
    expect(first).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(first).toBeLessThanOrEqual(Math.ceil(after) + 1);

    // Moved on here, seen there: the next snapshot is stamped an hour later.
    double.advance(hourMs);
    const second = await snapshotAt('snap-2');
    expect(second - first).toBeGreaterThanOrEqual(hourMs);
    expect(second - first).toBeLessThan(hourMs + (double.clock() - before));
  });

  it('answers its counters and views by message', async () => {
    const stats = await double.stats();
    expect(stats.timeScale).toBe(1);
    // Two snapshot PUTs and the GETs, all by the control plane's principal.
    expect(stats.callsBy.filter((c) => c.principalId === 'control-plane' && c.method === 'PUT')).toEqual([
      expect.objectContaining({ count: 2 }),
    ]);
    expect(await double.vms()).toEqual([]);
    expect(await double.nics()).toEqual([]);
  });
});
