/**
 * The two simulated regions of the test run's Azurite as blob clients, and small page-blob disks to
 * protect. Every helper names its blobs uniquely: the Azurite instance is shared by all test files.
 */
import { BlobServiceClient, type PageBlobClient } from '@azure/storage-blob';
import { createHash, randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { pageBlobDisk, type DiskSnapshot, type PageBlobDiskRef } from '../../../src/domain/disk';
import { LocalRegions, localSettings } from '../../../src/local/localSettings';
import { snapshotReadUrl } from '../../../src/adapters/blob/snapshotReadUrl';
import { SettingNames } from '../../../src/settingNames';

export const primary = LocalRegions.primary;
export const backup = LocalRegions.backup;
export const diskContainer = 'disks';

/** Region → client, from the same REGION_STORAGE setting the embedded runtime uses. */
export function azuriteRegionClients(): Map<string, BlobServiceClient> {
  const settings = localSettings({ ...inject('emulators'), http: 0 });
  const storage = JSON.parse(settings[SettingNames.regionStorage]!) as Record<string, string>;
  return new Map(
    Object.entries(storage).map(([region, connection]) => [
      region,
      BlobServiceClient.fromConnectionString(connection),
    ]),
  );
}

/** A client of a region that is gone: nothing listens on port 1, and one try fails at once. */
export function unreachableClient(): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(
    `DefaultEndpointsProtocol=http;AccountName=drwesteurope;AccountKey=${Buffer.from('gone').toString('base64')};BlobEndpoint=http://127.0.0.1:1/drwesteurope`,
    { retryOptions: { maxTries: 1 } },
  );
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Deterministic bytes that differ from page to page, so a misplaced page is visible. */
export function patternBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0, block = 0; offset < length; offset += 32, block++) {
    createHash('sha256').update(`${seed}:${block}`).digest().copy(out, offset);
  }
  return out;
}

export interface TestDisk {
  ref: PageBlobDiskRef;
  blob: PageBlobClient;
}

/** A page-blob disk in the primary region with `writes` applied (offsets and lengths page-aligned). */
export async function createDisk(
  clients: Map<string, BlobServiceClient>,
  sizeBytes: number,
  writes: readonly { offset: number; bytes: Buffer }[],
): Promise<TestDisk> {
  const container = clients.get(primary)!.getContainerClient(diskContainer);
  await container.createIfNotExists();
  const ref: PageBlobDiskRef = {
    kind: 'pageBlob',
    container: diskContainer,
    blob: `${uniqueId('disk')}.vhd`,
  };
  const blob = container.getPageBlobClient(ref.blob);
  await blob.create(sizeBytes);
  for (const write of writes) await blob.uploadPages(write.bytes, write.offset, write.bytes.length);
  return { ref, blob };
}

export async function snapshotOf(disk: TestDisk): Promise<DiskSnapshot> {
  const { snapshot } = await disk.blob.createSnapshot();
  const sizeBytes = (await disk.blob.withSnapshot(snapshot!).getProperties()).contentLength!;
  return { region: primary, disk: disk.ref, snapshotId: snapshot!, sizeBytes };
}

/** A read-only SAS URL of a disk snapshot, as the stores hand one to a server-side copy. */
export async function readUrlOf(
  clients: Map<string, BlobServiceClient>,
  snapshot: DiskSnapshot,
): Promise<string> {
  const disk = pageBlobDisk(snapshot.disk);
  return await snapshotReadUrl(clients.get(snapshot.region)!, {
    container: disk.container,
    blob: disk.blob,
    snapshotId: snapshot.snapshotId,
  });
}
