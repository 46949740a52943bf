/**
 * A read shared by every caller in the process for a while: the first caller after it expires
 * fetches, callers meanwhile wait for that same fetch, and a failed fetch is not kept. This is how
 * one listing serves every device of a resource group instead of one GET per device.
 */
import { BoundedCache, sharedRead } from '../../../domain/BoundedCache';
import type { Clock } from '../../../ports/Clock';

export class SharedReads<V> {
  private readonly entries: BoundedCache<Promise<V>>;

  constructor(
    private readonly clock: Clock,
    ttlInMs: number,
    /** Entries kept at most: the least recently used go first. */
    maxEntries = 1_000,
  ) {
    this.entries = new BoundedCache({ maxEntries, ttlInMs });
  }

  get(key: string, fetch: () => Promise<V>): Promise<V> {
    return sharedRead(this.entries, key, this.clock.now().getTime(), fetch);
  }

  /** The value held now for `key`, if a fetch of it finished and has not expired. */
  async peek(key: string): Promise<V | undefined> {
    const value = this.entries.get(key, this.clock.now().getTime());
    try {
      return value === undefined ? undefined : await value;
    } catch {
      return undefined;
    }
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
