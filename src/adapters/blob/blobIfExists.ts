/**
 * Reads that take a missing blob or container as absent or empty: the stores here create their
 * containers on first write, so a read may well come before anything exists.
 */
import type {
  BlobGetPropertiesResponse,
  BlobItem,
  ContainerClient,
  ContainerListBlobsOptions,
} from '@azure/storage-blob';
import { isNotFound } from './storageErrors';

/** The blob's properties and metadata; undefined when it (or its container) does not exist. */
export async function propertiesIfExists(blob: {
  getProperties(): Promise<BlobGetPropertiesResponse>;
}): Promise<BlobGetPropertiesResponse | undefined> {
  try {
    return await blob.getProperties();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every blob of a listing; a container that does not exist yet lists nothing. */
export async function* listIfExists(
  container: ContainerClient,
  options?: ContainerListBlobsOptions,
): AsyncGenerator<BlobItem, void, undefined> {
  try {
    for await (const item of container.listBlobsFlat(options)) yield item;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
