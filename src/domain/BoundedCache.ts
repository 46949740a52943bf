/**
 * A map with a size limit and a time to live, for reads that workers reuse across messages (a
 * tenant, a policy, an activation). A plain map keyed by such ids grows with the fleet for as long
 * as the process lives; this one drops the least recently used entry once it holds `maxEntries`.
 * Pure: the caller passes the time, so it runs on whatever clock the caller judges freshness by.
 */

export interface BoundedCacheOptions {
  /** Entries kept at most; the least recently used goes first. */
  maxEntries: number;
  /** How long an entry is served after it was set. */
  ttlInMs: number;
}

export class BoundedCache<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly options: BoundedCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new RangeError(`maxEntries must be a whole number ≥ 1, not ${options.maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value under `key` if it is still fresh at `nowMs` (and marks it used); else undefined. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.until <= nowMs) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` under `key` until `ttlInMs` after `nowMs`, dropping the least recently used beyond the limit. */
  set(key: string, value: V, nowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: nowMs + this.options.ttlInMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Drops `key`; with `value`, only while the entry still holds that value (not a newer one set since). */
  delete(key: string, value?: V): void {
    if (value === undefined || this.entries.get(key)?.value === value) this.entries.delete(key);
  }
}

/**
 * The read under `key` while it is fresh, else a new `read()` kept there: concurrent callers share
 * one read, and a read that fails is dropped (only that one, not a newer one set since), so the
 * next caller asks again instead of being served the failure for the whole TTL.
 */
export function sharedRead<T>(
  cache: BoundedCache<Promise<T>>,
  key: string,
  nowMs: number,
  read: () => Promise<T>,
): Promise<T> {
  const hit = cache.get(key, nowMs);
  if (hit) return hit;
  const value = read();
  cache.set(key, value, nowMs);
  value.catch(() => cache.delete(key, value));
  return value;
}
