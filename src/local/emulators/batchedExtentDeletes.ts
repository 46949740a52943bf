/**
 * Azurite's garbage collector hands the in-memory extent store every unreferenced extent at once,
 * and the store deletes them one at a time: one LokiJS remove each, which shifts the collection's
 * arrays and index entries (linear in the extents stored), in one chain of promises that never
 * yields to I/O. After the benchmark deleted 50,000 read snapshots, that chain ran for minutes with
 * Azurite answering no request, until clients timed out (a Copy Blob answered 408).
 *
 * Deleted here in batches instead: one LokiJS remove per batch (which re-sorts the indexes once),
 * and a turn of the event loop between batches so requests are served while the collector works.
 * The same extents go; the count returned is the same.
 */
import { checkAzuritePackages, requireFromAzurite } from './azuriteLoki';
import { expectFunction } from './patchChecks';

/** Extents per LokiJS remove: a re-sort of the index per batch, requests served in between. */
export const extentDeleteBatch = 1_000;

interface ExtentCollection {
  findAndRemove(query: { id: { $in: string[] } }): void;
}

interface MemoryExtentStore {
  categoryName: string;
  chunks: { delete(category: string, id: string): boolean };
  metadataStore: {
    db?: { getCollection(name: string): ExtentCollection | null };
    EXTENTS_COLLECTION?: string;
  };
  deleteExtents(extents: Iterable<string>): Promise<number>;
}

export function installBatchedExtentDeletes(): void {
  const { azurite } = checkAzuritePackages('batchedExtentDeletes');
  const { prototype } = (
    requireFromAzurite('./common/persistence/MemoryExtentStore.js') as {
      default: { prototype: MemoryExtentStore };
    }
  ).default;
  expectFunction('batchedExtentDeletes', azurite, prototype, 'deleteExtents', 1);
  const deleteOneByOne = prototype.deleteExtents; // eslint-disable-line @typescript-eslint/unbound-method

  prototype.deleteExtents = async function (this: MemoryExtentStore, extents: Iterable<string>) {
    const { db, EXTENTS_COLLECTION } = this.metadataStore;
    const collection = EXTENTS_COLLECTION ? db?.getCollection(EXTENTS_COLLECTION) : null;
    // Only LokiJS metadata is batched here; any other store keeps Azurite's own loop.
    if (!collection) return await deleteOneByOne.call(this, extents);
    const ids = [...extents];
    for (let start = 0; start < ids.length; start += extentDeleteBatch) {
      const batch = ids.slice(start, start + extentDeleteBatch);
      for (const id of batch) this.chunks.delete(this.categoryName, id);
      collection.findAndRemove({ id: { $in: batch } });
      await new Promise((resolve) => setImmediate(resolve));
    }
    return ids.length;
  };
}
