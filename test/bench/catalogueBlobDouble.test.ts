/**
 * The benchmark's in-process Blob Storage stand-in (bench/catalogueBlobDouble.ts) must answer the
 * restore-point catalogue as Azurite does: the same cases run on both, through the real catalogue
 * and the real `@azure/storage-blob` client, so a stand-in that drifted from what the catalogue
 * relies on (a conditional write, the listing's order, a prefix, a page) fails here, not silently in
 * a benchmark.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestorePointCatalog } from '../../src/adapters/blob/RestorePointCatalog';
import { newPointMetadata } from '../../src/adapters/blob/restorePointMetadata';
import type { DiskSnapshot } from '../../src/domain/disk';
import { LocalRegions, regionAccounts } from '../../src/local/localSettings';
import type { RestorePointTarget } from '../../src/ports/RestorePointStore';
import { startCatalogueBlobDouble, type CatalogueBlobDouble } from '../../bench/catalogueBlobDouble';
import { azuriteRegionClients } from '../adapters/blob/azuriteRegions';

const region = LocalRegions.backup;

const snapshot: DiskSnapshot = {
  region: LocalRegions.primary,
  disk: {
    kind: 'managedDisk',
    armId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d',
  },
  snapshotId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/snapshots/src',
  sizeBytes: 1024,
};

let stand: CatalogueBlobDouble;

beforeAll(async () => {
  stand = await startCatalogueBlobDouble(regionAccounts[region]!.name);
});
afterAll(async () => await stand.close());

describe.each([
  ['Azurite', () => azuriteRegionClients().get(region)!],
  ['the stand-in', () => BlobServiceClient.fromConnectionString(stand.connectionString)],
])('RestorePointCatalog on %s', (_name, client) => {
  // A container of this run's own: the Azurite instance is shared by every test file.
  const catalog = () =>
    new RestorePointCatalog(new Map([[region, client()]]), `bench-${randomUUID().slice(0, 8)}`);
  const target = (deviceId: string, hour: number): RestorePointTarget => ({
    region,
    tenantId: randomTenant,
    deviceId,
    takenAt: new Date(Date.UTC(2025, 0, 1, hour)),
    kind: 'scheduled',
  });
  const randomTenant = randomUUID();

  it('creates a record once, lists a device’s points newest first and no other device’s', async () => {
    const c = catalog();
    expect(await c.createRecord(target('pc1', 1), newPointMetadata(snapshot, target('pc1', 1)))).toBe(true);
    expect(await c.createRecord(target('pc1', 1), newPointMetadata(snapshot, target('pc1', 1)))).toBe(false);
    await c.createRecord(target('pc1', 2), newPointMetadata(snapshot, target('pc1', 2)));
    await c.createRecord(target('pc10', 3), newPointMetadata(snapshot, target('pc10', 3)));
    const listed = await c.list(region, randomTenant, 'pc1');
    expect(listed.map((p) => p.takenAt)).toEqual([
      new Date(Date.UTC(2025, 0, 1, 2)).toISOString(),
      new Date(Date.UTC(2025, 0, 1, 1)).toISOString(),
    ]);
    expect(listed.every((p) => p.deviceId === 'pc1' && !p.verified)).toBe(true);
    const one = await c.listed(region, c.nameOf(target('pc1', 1)));
    expect(one?.metadata.sourcesnapshot).toBe(snapshot.snapshotId);
  });

  it('writes metadata only on the ETag it read, and marks a point verified with the hash it was checked with', async () => {
    const c = catalog();
    const t = target('pc2', 1);
    await c.createRecord(t, newPointMetadata(snapshot, t));
    const [entry] = await c.listEntries(region, randomTenant, 'pc2');
    expect(
      await c.patchMetadata(region, entry!.point.name, entry!.metadata, { note: 'a' }, entry!.etag),
    ).toBe(true);
    // The ETag the listing gave is stale now.
    expect(
      await c.patchMetadata(region, entry!.point.name, entry!.metadata, { note: 'b' }, entry!.etag),
    ).toBe(false);
    const read = await c.read(region, entry!.point.name);
    expect(read?.metadata?.note).toBe('a');
    expect(await c.stampChecked(region, entry!.point.name, read!, 'h1')).toBe(true);
    await expect(c.markVerified(t, 'other')).rejects.toMatchObject({ code: 'restore-point-not-checked' });
    const marked = await c.markVerified(t, 'h1');
    expect(marked.point).toMatchObject({ verified: true, hash: 'h1' });
    expect((await c.latestVerified(region, randomTenant, 'pc2'))?.name).toBe(entry!.point.name);
  });

  it('deletes a point, and a missing one is success; a missing point reads as absent', async () => {
    const c = catalog();
    const t = target('pc3', 1);
    await c.createRecord(t, newPointMetadata(snapshot, t));
    await c.delete(region, c.nameOf(t));
    await c.delete(region, c.nameOf(t));
    expect(await c.read(region, c.nameOf(t))).toBeUndefined();
    expect(await c.list(region, randomTenant, 'pc3')).toEqual([]);
  });

  it('pages a listing by its marker, in name order, and only under the prefix', async () => {
    const c = catalog();
    const container = await c.ensureContainer(region);
    const names = ['p/a', 'p/b', 'p/c', 'p/d', 'p/e'];
    await Promise.all([...names, 'q/a', 'p'].map((n) => container.getBlockBlobClient(n).upload('', 0)));
    const pages: string[][] = [];
    for await (const page of container.listBlobsFlat({ prefix: 'p/' }).byPage({ maxPageSize: 2 }))
      pages.push(page.segment.blobItems.map((b) => b.name));
    expect(pages).toEqual([['p/a', 'p/b'], ['p/c', 'p/d'], ['p/e']]);
  });
});
