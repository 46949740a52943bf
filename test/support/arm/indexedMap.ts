/**
 * A Map of the double's records that keeps secondary indexes (by resource group, by subscription
 * and region, by source disk) up to date on every set and delete. The handlers write the store's
 * maps directly; indexing inside `set`/`delete` means no write path can forget an index, and a
 * request reads the few records it is about instead of scanning the whole fleet (at 50,000 devices
 * those scans made the recovery-arm benchmark quadratic).
 *
 * An index's key must depend only on what a record never changes (its id's subscription and
 * group, its region, its disk): a record is filed under the key it had when it was set. Within a
 * key, records keep the main map's insertion order (a re-set keeps its place, a delete then set
 * goes last), so a listing through an index is the same list a filtered scan gave.
 */
import { normalizeLocation } from './context';

export type IndexKeys<R, I extends string> = Record<I, (record: R) => string>;

export class IndexedMap<R, I extends string> extends Map<string, R> {
  private readonly indexes = new Map<I, Map<string, Map<string, R>>>();

  constructor(private readonly indexKeys: IndexKeys<R, I>) {
    super();
    for (const name of Object.keys(indexKeys) as I[]) this.indexes.set(name, new Map());
  }

  override set(key: string, value: R): this {
    const previous = super.get(key);
    if (previous !== undefined && previous !== value) this.unindex(key, previous);
    super.set(key, value);
    for (const [name, index] of this.indexes) {
      const indexKey = this.indexKeys[name](value);
      let bucket = index.get(indexKey);
      if (!bucket) {
        bucket = new Map();
        index.set(indexKey, bucket);
      }
      bucket.set(key, value);
    }
    return this;
  }

  override delete(key: string): boolean {
    const previous = super.get(key);
    if (previous === undefined) return false;
    this.unindex(key, previous);
    return super.delete(key);
  }

  override clear(): void {
    for (const index of this.indexes.values()) index.clear();
    super.clear();
  }

  /** The records filed under `key` in index `name`, in the map's insertion order. */
  in(name: I, key: string): IterableIterator<R> {
    return (this.bucket(name, key)?.values() ?? new Map<string, R>().values()) as IterableIterator<R>;
  }

  /** How many records are filed under `key` in index `name`. */
  count(name: I, key: string): number {
    return this.bucket(name, key)?.size ?? 0;
  }

  private bucket(name: I, key: string): Map<string, R> | undefined {
    return this.indexes.get(name)?.get(key);
  }

  private unindex(key: string, record: R): void {
    for (const [name, index] of this.indexes) {
      const indexKey = this.indexKeys[name](record);
      const bucket = index.get(indexKey);
      if (!bucket) continue;
      bucket.delete(key);
      if (bucket.size === 0) index.delete(indexKey);
    }
  }
}

/** The key of a (subscription, resource group): both compare without case in ARM. */
export function groupKey(subscriptionId: string, resourceGroup: string): string {
  return `${subscriptionId.toLowerCase()}/${resourceGroup.toLowerCase()}`;
}

/** The key of a (subscription, region): regions compare without case or spaces ('West Europe'). */
export function regionKey(subscriptionId: string, location: string): string {
  return `${subscriptionId.toLowerCase()}/${normalizeLocation(location)}`;
}
