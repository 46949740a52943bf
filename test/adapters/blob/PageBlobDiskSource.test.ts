import type { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { PageBlobDiskSource } from '../../../src/adapters/blob/PageBlobDiskSource';
import { NotFoundError } from '../../../src/domain/errors';
import {
  azuriteRegionClients,
  createDisk,
  diskContainer,
  patternBytes,
  primary,
  unreachableClient,
  uniqueId,
} from './azuriteRegions';

describe('PageBlobDiskSource', () => {
  let clients: Map<string, BlobServiceClient>;
  let source: PageBlobDiskSource;
  beforeAll(() => {
    clients = azuriteRegionClients();
    source = new PageBlobDiskSource(clients);
  });

  it('describes a disk by its size, and a missing disk or container as undefined', async () => {
    const disk = await createDisk(clients, 128 * 1024, []);
    expect(await source.describe(primary, disk.ref)).toEqual({ sizeBytes: 128 * 1024, pageBlob: true });
    expect(await source.describe(primary, { ...disk.ref, blob: 'missing.vhd' })).toBeUndefined();
    expect(
      await source.describe(primary, { ...disk.ref, container: uniqueId('nocontainer') }),
    ).toBeUndefined();
  });

  it('throws, rather than answering "no disk", when the region cannot be reached', async () => {
    const gone = new PageBlobDiskSource(new Map([[primary, unreachableClient()]]));
    await expect(
      gone.describe(primary, { kind: 'pageBlob', container: diskContainer, blob: 'x.vhd' }),
    ).rejects.toThrow();
  });

  it('snapshots the disk: the snapshot id is its timestamp and its content stays as it was', async () => {
    const before = patternBytes('before', 4096);
    const disk = await createDisk(clients, 64 * 1024, [{ offset: 0, bytes: before }]);
    const snapshot = await source.snapshot(primary, disk.ref);
    expect(snapshot).toMatchObject({ region: primary, disk: disk.ref, sizeBytes: 64 * 1024 });
    expect(Number.isNaN(Date.parse(snapshot.snapshotId))).toBe(false);

    await disk.blob.uploadPages(patternBytes('after', 4096), 0, 4096);
    expect((await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer(0, 4096)).equals(before)).toBe(
      true,
    );
  });

  it('refuses to snapshot a disk that does not exist', async () => {
    await expect(
      source.snapshot(primary, { kind: 'pageBlob', container: diskContainer, blob: 'missing.vhd' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes a snapshot, leaves the disk, and treats a missing snapshot as deleted', async () => {
    const disk = await createDisk(clients, 64 * 1024, [{ offset: 0, bytes: patternBytes('d', 512) }]);
    const snapshot = await source.snapshot(primary, disk.ref);
    await source.deleteSnapshot(snapshot);
    await expect(disk.blob.withSnapshot(snapshot.snapshotId).getProperties()).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await disk.blob.exists()).toBe(true);
    await source.deleteSnapshot(snapshot);
  });

  it('refuses an unknown region and a snapshot without an id (which would address the disk itself)', async () => {
    const disk = await createDisk(clients, 64 * 1024, []);
    await expect(source.describe('mars', disk.ref)).rejects.toBeInstanceOf(TypeError);
    await expect(
      source.deleteSnapshot({ region: primary, disk: disk.ref, snapshotId: '', sizeBytes: 0 }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(await disk.blob.exists()).toBe(true);
  });
});
