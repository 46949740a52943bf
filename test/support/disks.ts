/** Test disks: page blobs in a region's Azurite account, standing for Cloud PC VHDs. */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';

export function regionBlobService(settings: Record<string, string>, region: string): BlobServiceClient {
  const storage = JSON.parse(settings.REGION_STORAGE!) as Record<string, string>;
  return BlobServiceClient.fromConnectionString(storage[region]!);
}

/** Creates (or overwrites) a page blob of `sizeBytes` filled with random data; returns its content. */
export async function createDisk(
  service: BlobServiceClient,
  container: string,
  blob: string,
  sizeBytes = 64 * 1024,
): Promise<Buffer> {
  const containerClient = service.getContainerClient(container);
  await containerClient.createIfNotExists();
  const page = containerClient.getPageBlobClient(blob);
  await page.create(sizeBytes);
  const content = randomBytes(sizeBytes);
  await page.uploadPages(content, 0, sizeBytes);
  return content;
}

/** Overwrites the first page of a disk: the user wrote something since the last restore point. */
export async function writeToDisk(
  service: BlobServiceClient,
  container: string,
  blob: string,
): Promise<void> {
  await service.getContainerClient(container).getPageBlobClient(blob).uploadPages(randomBytes(512), 0, 512);
}
