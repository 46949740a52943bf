import { describe, expect, it } from 'vitest';
import { BoundedCache, sharedRead } from '../../src/domain/BoundedCache';

describe('BoundedCache', () => {
  it('stays at its limit however many keys pass through it (a fleet of devices, tenants, activations)', () => {
    const cache = new BoundedCache<number>({ maxEntries: 100, ttlInMs: 60_000 });
    for (let i = 0; i < 50_000; i += 1) {
      cache.set(`tenant:${i}`, i, 0);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.size).toBe(100);
    // The most recent are the ones kept.
    expect(cache.get('tenant:49999', 1)).toBe(49_999);
    expect(cache.get('tenant:49900', 1)).toBe(49_900);
    expect(cache.get('tenant:49899', 1)).toBeUndefined();
  });

  it('drops the least recently used entry, not the oldest set', () => {
    const cache = new BoundedCache<string>({ maxEntries: 2, ttlInMs: 60_000 });
    cache.set('a', 'A', 0);
    cache.set('b', 'B', 0);
    expect(cache.get('a', 1)).toBe('A');
    cache.set('c', 'C', 2);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)).toBe('A');
    expect(cache.get('c', 3)).toBe('C');
  });

  it('serves an entry until its time to live has passed, then forgets it', () => {
    const cache = new BoundedCache<string>({ maxEntries: 10, ttlInMs: 1_000 });
    cache.set('a', 'A', 5_000);
    expect(cache.get('a', 5_999)).toBe('A');
    expect(cache.get('a', 6_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('with a time to live of 0, serves nothing again', () => {
    const cache = new BoundedCache<string>({ maxEntries: 10, ttlInMs: 0 });
    cache.set('a', 'A', 5_000);
    expect(cache.get('a', 5_000)).toBeUndefined();
  });

  it('deletes a key only while it still holds the value asked about', () => {
    const cache = new BoundedCache<string>({ maxEntries: 10, ttlInMs: 1_000 });
    cache.set('a', 'first', 0);
    cache.set('a', 'second', 0);
    cache.delete('a', 'first');
    expect(cache.get('a', 1)).toBe('second');
    cache.delete('a', 'second');
    expect(cache.get('a', 1)).toBeUndefined();
    cache.set('b', 'B', 0);
    cache.delete('b');
    expect(cache.size).toBe(0);
  });

  it('refuses a limit that is not a whole number ≥ 1', () => {
    for (const maxEntries of [0, -1, 1.5]) {
      expect(() => new BoundedCache({ maxEntries, ttlInMs: 1 })).toThrow(RangeError);
    }
  });
});

describe('sharedRead', () => {
  it('serves concurrent and later callers one read while it is fresh, then reads again', async () => {
    const cache = new BoundedCache<Promise<number>>({ maxEntries: 10, ttlInMs: 1_000 });
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    const [a, b] = await Promise.all([sharedRead(cache, 'k', 0, read), sharedRead(cache, 'k', 0, read)]);
    expect([a, b, await sharedRead(cache, 'k', 999, read)]).toEqual([1, 1, 1]);
    expect(await sharedRead(cache, 'k', 1_000, read)).toBe(2);
  });

  it('drops a read that failed, so the next caller asks again', async () => {
    const cache = new BoundedCache<Promise<string>>({ maxEntries: 10, ttlInMs: 1_000 });
    await expect(sharedRead(cache, 'k', 0, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await sharedRead(cache, 'k', 1, () => Promise.resolve('up'))).toBe('up');
  });
});
