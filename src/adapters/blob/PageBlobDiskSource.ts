/** The primary region's device disks as page blobs (VHDs), one blob service per region. */
import type { BlobServiceClient } from '@azure/storage-blob';
import { describeDisk, type DiskRef, type DiskSnapshot } from '../../domain/disk';
import { NotFoundError } from '../../domain/errors';
import type { DiskDescription, DiskSource } from '../../ports/DiskSource';
import { propertiesIfExists } from './blobIfExists';
import { diskBlobClient, snapshotBlobClient } from './diskBlobClient';
import { isNotFound } from './storageErrors';

export class PageBlobDiskSource implements DiskSource {
  constructor(private readonly clients: ReadonlyMap<string, BlobServiceClient>) {}

  async describe(region: string, disk: DiskRef): Promise<DiskDescription | undefined> {
    const properties = await propertiesIfExists(diskBlobClient(this.clients, region, disk));
    if (!properties) return undefined;
    return { sizeBytes: properties.contentLength ?? 0, pageBlob: properties.blobType === 'PageBlob' };
  }

  async snapshot(region: string, disk: DiskRef): Promise<DiskSnapshot> {
    const blob = diskBlobClient(this.clients, region, disk);
    let snapshotId: string | undefined;
    try {
      snapshotId = (await blob.createSnapshot()).snapshot;
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`Disk ${describeDisk(disk)} in ${region}`);
      throw err;
    }
    if (!snapshotId)
      throw new Error(`Snapshot of ${describeDisk(disk)} in ${region} returned no snapshot id`);
    // The size is read from the snapshot itself: the disk may be resized between two calls, the
    // snapshot never is.
    const properties = await blob.withSnapshot(snapshotId).getProperties();
    assertPageBlob(properties.blobType, region, disk);
    return { region, disk: { ...disk }, snapshotId, sizeBytes: properties.contentLength ?? 0 };
  }

  async deleteSnapshot(snapshot: DiskSnapshot): Promise<void> {
    const blob = snapshotBlobClient(this.clients, snapshot);
    try {
      await blob.delete();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function assertPageBlob(blobType: string | undefined, region: string, disk: DiskRef): void {
  if (blobType !== 'PageBlob') {
    throw new TypeError(
      `Disk ${describeDisk(disk)} in ${region} is a ${blobType ?? 'blob of unknown type'}, not a page blob`,
    );
  }
}
