/**
 * LokiJS removes or updates a batch of documents (`remove([...])`, `findAndRemove`, a result set's
 * `remove`, `update([...])`) by rebuilding every binary index of the collection from scratch: a
 * sort of all N documents per index. Azurite does that on every queue message it receives (one
 * batch update) or deletes, every blob it deletes, and, with an empty batch, every time it clears
 * expired messages. With 10,000 messages queued one receive and its deletes took 3 s, and the queue
 * drained at 9 messages per second.
 *
 * A small batch is handled one document at a time instead, which updates each index in place (its
 * entries found by a native search, put back by a binary search) and changes exactly the same
 * documents; an empty batch does nothing. Large batches keep Loki's rebuild, cheaper for them.
 */
import { azuriteLoki, checkAzuritePackages, type LokiCollection } from './azuriteLoki';
import { expectFunction } from './patchChecks';

/** Up to this many documents, one at a time beats re-sorting every index. */
export const incrementalBatchLimit = 64;

export function installIncrementalBatches(): void {
  const fix = 'incrementalBatches';
  const { lokijs } = checkAzuritePackages(fix);
  const prototype = azuriteLoki().Collection.prototype;
  for (const member of ['removeBatch', 'removeBatchByPositions', 'update', 'remove']) {
    expectFunction(fix, lokijs, prototype, member, 1);
  }
  expectFunction(fix, lokijs, prototype, 'get', 2);
  expectFunction(fix, lokijs, prototype, 'adaptiveBinaryIndexInsert', 2);
  /* eslint-disable @typescript-eslint/unbound-method -- the originals, called with each collection */
  const removeBatch = prototype.removeBatch;
  const removeBatchByPositions = prototype.removeBatchByPositions;
  const update = prototype.update;
  /* eslint-enable @typescript-eslint/unbound-method */

  prototype.removeBatch = function (this: LokiCollection, batch: unknown[]) {
    if (batch.length > incrementalBatchLimit) return removeBatch.call(this, batch);
    // Each item is a document or its $loki id; `remove` takes either.
    for (const item of batch) this.remove(item as object | number);
  };

  prototype.removeBatchByPositions = function (this: LokiCollection, positions: number[]) {
    if (positions.length > incrementalBatchLimit) return removeBatchByPositions.call(this, positions);
    // Positions shift as documents go, so take the documents first.
    const docs = positions.map((position) => this.data[position]!);
    for (const doc of docs) this.remove(doc);
  };

  prototype.update = function (this: LokiCollection, doc: object | object[]) {
    if (!Array.isArray(doc) || doc.length > incrementalBatchLimit) return update.call(this, doc);
    // Azurite changes a batch's documents in place before it updates them (a receive sets every
    // message's next visible time first). An index entry is moved by a binary search that assumes
    // every other entry still holds its value: so take all the batch's entries out first, then
    // each update puts its document back where its new value belongs.
    const positions = new Set<number>();
    for (const one of doc as object[]) {
      const found = this.get($lokiOf(one), true);
      if (found) positions.add(found[1]);
    }
    // One native search per entry: a batch is at most a few dozen documents, an index 50,000.
    for (const index of Object.values(this.binaryIndices)) {
      for (const position of positions) {
        const at = index.values.indexOf(position);
        if (at !== -1) index.values.splice(at, 1);
      }
    }
    // Loki's own update of one document looks for it in every index by a linear scan (it cannot
    // know the old value of a field changed in place): a scan that now finds nothing, and at 50,000
    // queued messages was most of a receive. So the indexes are hidden from it, and each document
    // goes back into each index by a binary search. Without adaptive indexes Loki only marks them
    // stale, which costs nothing.
    const indexes = this.binaryIndices;
    const adaptive = this.adaptiveBinaryIndices === true;
    if (adaptive) this.binaryIndices = {};
    try {
      for (const one of doc) update.call(this, one);
    } catch (err) {
      // A document that is not in the collection: entries taken out for the rest must come back.
      this.binaryIndices = indexes;
      this.ensureAllIndexes(true);
      throw err;
    }
    this.binaryIndices = indexes;
    if (adaptive)
      for (const name of Object.keys(indexes))
        for (const position of positions) this.adaptiveBinaryIndexInsert(position, name);
  };
}

function $lokiOf(doc: object): number {
  return (doc as { $loki?: number }).$loki ?? -1;
}
