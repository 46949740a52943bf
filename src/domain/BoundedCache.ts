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
