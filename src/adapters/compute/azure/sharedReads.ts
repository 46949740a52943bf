/**
 * A read shared by every caller in the process for a while: the first caller after it expires
 * fetches, callers meanwhile wait for that same fetch, and a failed fetch is not kept. This is how
 * one listing serves every device of a resource group instead of one GET per device.
 */
import type { Clock } from '../../../ports/Clock';

interface Entry<V> {
  value: Promise<V>;
  atMs: number;
}

export class SharedReads<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlInMs: number,
    /** Entries kept at most: the oldest go first. */
    private readonly maxEntries = 1_000,
  ) {}

  async get(key: string, fetch: () => Promise<V>): Promise<V> {
    const now = this.clock.now().getTime();
    const entry = this.entries.get(key);
    if (entry && now - entry.atMs < this.ttlInMs) return await entry.value;
    const value = fetch();
    this.entries.delete(key);
    this.entries.set(key, { value, atMs: now });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    try {
      return await value;
    } catch (err) {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
      throw err;
    }
  }

  /** The value held now for `key`, if a fetch of it finished and has not expired. */
  async peek(key: string): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (!entry || this.clock.now().getTime() - entry.atMs >= this.ttlInMs) return undefined;
    try {
      return await entry.value;
    } catch {
      return undefined;
    }
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
