import { describe, expect, it } from 'vitest';
import { forgetIdempotencyKey, idempotencyKeyFor, type KeyStore } from '../src/logic/idempotencyKeys';

function memoryStore(): KeyStore & { size: () => number } {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    size: () => items.size,
  };
}

describe('idempotency keys', () => {
  const intent = { scope: { kind: 'region', region: 'westeurope' }, recoverFirst: ['cpc-1'] };
  let counter = 0;
  const newKey = () => `k${++counter}`;

  it('reuses the key for the same intent: a double click or a retry is the same request', () => {
    const store = memoryStore();
    const first = idempotencyKeyFor(store, 'activate', intent, newKey);
    expect(idempotencyKeyFor(store, 'activate', { ...intent }, newKey)).toBe(first);
    // A reload: a new page reads the same storage.
    expect(idempotencyKeyFor(store, 'activate', JSON.parse(JSON.stringify(intent)), newKey)).toBe(first);
  });

  it('makes a new key for a changed intent, and after the request succeeded', () => {
    const store = memoryStore();
    const first = idempotencyKeyFor(store, 'activate', intent, newKey);
    const changed = idempotencyKeyFor(store, 'activate', { ...intent, recoverFirst: [] }, newKey);
    expect(changed).not.toBe(first);
    forgetIdempotencyKey(store, 'activate');
    expect(store.size()).toBe(0);
    expect(idempotencyKeyFor(store, 'activate', { ...intent, recoverFirst: [] }, newKey)).not.toBe(changed);
  });

  it('keeps actions apart, and recovers from a corrupt entry', () => {
    const store = memoryStore();
    const activate = idempotencyKeyFor(store, 'activate', intent, newKey);
    const points = idempotencyKeyFor(store, 'points', intent, newKey);
    expect(points).not.toBe(activate);
    expect(points.startsWith('points-')).toBe(true);
    store.setItem('clouddr.idempotency.activate', '{not json');
    const replaced = idempotencyKeyFor(store, 'activate', intent, newKey);
    expect(replaced).not.toBe(activate);
    expect(idempotencyKeyFor(store, 'activate', intent, newKey)).toBe(replaced);
  });
});
