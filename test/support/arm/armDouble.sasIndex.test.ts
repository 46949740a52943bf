/**
 * A SAS read finds its snapshot through the store's token index (store.sasTokens), not by scanning
 * every live snapshot: these pin what the scan gave. Only a live snapshot's current, unexpired
 * token reads; a token replaced by a new grant, revoked, expired, or of a deleted snapshot answers
 * 403.
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClient } from './armTestClient';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000f1';
const RG = 'rg-primary';
const FAST = { updateIntervalInMs: 10 };

async function status(double: ArmDouble, sasUrl: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const req = request(sasUrl, { ca: double.ca, headers: { 'x-ms-range': 'bytes=0-511' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ARM double: a SAS reads only while its snapshot and its grant are current', () => {
  let double: ArmDouble;
  let client: ComputeManagementClient;
  let diskId: string;

  const snapshot = async (name: string) =>
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
  const grant = async (name: string, seconds = 3600) =>
    (
      await client.snapshots
        .grantAccess(RG, name, { access: 'Read', durationInSeconds: seconds }, FAST)
        .pollUntilDone()
    ).accessSAS!;

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 600 });
    client = computeClient(double, SUB);
    diskId = await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'sas-index',
      location: 'westeurope',
      sizeGB: 8,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });
  });
  afterAll(async () => await double.close());

  it('a new grant replaces the old token', async () => {
    await snapshot('s1');
    const first = await grant('s1');
    const second = await grant('s1');
    expect(await status(double, first)).toBe(403);
    expect(await status(double, second)).toBe(206);
  });

  it('a deleted snapshot’s token no longer reads; another snapshot’s still does', async () => {
    await snapshot('s2');
    await snapshot('s3');
    const gone = await grant('s2');
    const kept = await grant('s3');
    await client.snapshots.delete(RG, 's2', FAST);
    expect(await status(double, gone)).toBe(403);
    expect(await status(double, kept)).toBe(206);
  });

  it('an expired token no longer reads', async () => {
    await snapshot('s4');
    const url = await grant('s4', 60);
    expect(await status(double, url)).toBe(206);
    double.advance(61_000);
    expect(await status(double, url)).toBe(403);
  });
});
