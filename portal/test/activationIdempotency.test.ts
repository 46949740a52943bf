/**
 * The activation's Idempotency-Key, as the Activate page makes it: from the body the form builds,
 * through idempotencyKeyFor, with the form itself kept across a reload.
 */
import { describe, expect, it } from 'vitest';
import { buildActivationBody, emptyDraft, type ActivationDraft } from '../src/logic/activationForm';
import { clearDraft, loadDraft, saveDraft } from '../src/logic/activationDraftStore';
import {
  forgetIdempotencyKey,
  idempotencyKeyFor,
  pendingIdempotencyKey,
  type KeyStore,
} from '../src/logic/idempotencyKeys';

/** sessionStorage's behaviour, in memory (the tests run in Node). */
class MemoryStore implements KeyStore {
  private readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

function keyOf(store: KeyStore, draft: ActivationDraft): string {
  const built = buildActivationBody(draft);
  if (!('body' in built)) throw new Error(`draft invalid: ${JSON.stringify(built.errors)}`);
  return idempotencyKeyFor(store, 'activate', built.body);
}

const westeurope: ActivationDraft = {
  ...emptyDraft,
  region: 'westeurope',
  recoverFirstText: 'cpc-0003\ncpc-0001',
};

describe('the activation idempotency key', () => {
  it('is the same for the same intent: a double click, a retry after a 503', () => {
    const store = new MemoryStore();
    const first = keyOf(store, westeurope);
    expect(first).toMatch(/^activate-[0-9a-f-]{36}$/);
    expect(keyOf(store, westeurope)).toBe(first);
    // The same intent typed differently (spaces, capitals, commas) is the same request.
    expect(
      keyOf(store, { ...westeurope, region: ' WestEurope', recoverFirstText: 'cpc-0003, cpc-0001\n' }),
    ).toBe(first);
  });

  it('is the same after a reload of the tab, which keeps the form', () => {
    const session = new MemoryStore();
    saveDraft(session, westeurope);
    const before = keyOf(session, westeurope);
    expect(keyOf(session, loadDraft(session))).toBe(before);
  });

  it('changes when the intent changes: another first list, order, deadline or region', () => {
    const store = new MemoryStore();
    const first = keyOf(store, westeurope);
    const reordered = keyOf(store, { ...westeurope, recoverFirstText: 'cpc-0001\ncpc-0003' });
    expect(reordered).not.toBe(first);
    const deadline = keyOf(store, {
      ...westeurope,
      recoverFirstText: 'cpc-0001\ncpc-0003',
      waveDeadlineMinutes: '30',
    });
    expect(deadline).not.toBe(reordered);
    const region = keyOf(store, { ...westeurope, region: 'eastus' });
    expect(new Set([first, reordered, deadline, region]).size).toBe(4);
  });

  it('is new for the next activation once the last one succeeded', () => {
    const store = new MemoryStore();
    const first = keyOf(store, westeurope);
    forgetIdempotencyKey(store, 'activate');
    expect(keyOf(store, westeurope)).not.toBe(first);
  });
});

describe('a pending activation', () => {
  const bodyOf = (draft: ActivationDraft) => {
    const built = buildActivationBody(draft);
    if (!('body' in built)) throw new Error('draft invalid');
    return built.body;
  };

  it('is known after a submission whose answer was lost, with the key the retry sends', () => {
    const store = new MemoryStore();
    expect(pendingIdempotencyKey(store, 'activate', bodyOf(westeurope))).toBeUndefined();
    const sent = keyOf(store, westeurope);
    expect(pendingIdempotencyKey(store, 'activate', bodyOf(westeurope))).toBe(sent);
    // Looking does not make or change a key.
    expect(keyOf(store, westeurope)).toBe(sent);
  });

  it('is not another intent, nor one that succeeded', () => {
    const store = new MemoryStore();
    keyOf(store, westeurope);
    expect(
      pendingIdempotencyKey(store, 'activate', bodyOf({ ...westeurope, region: 'eastus' })),
    ).toBeUndefined();
    forgetIdempotencyKey(store, 'activate');
    expect(pendingIdempotencyKey(store, 'activate', bodyOf(westeurope))).toBeUndefined();
  });
});

describe('the activation draft', () => {
  it('comes back as saved, and empty once cleared', () => {
    const store = new MemoryStore();
    const draft: ActivationDraft = {
      ...westeurope,
      scopeKind: 'tiers',
      tiers: [1, 4],
      tiersRegion: 'westeurope',
    };
    saveDraft(store, draft);
    expect(loadDraft(store)).toEqual(draft);
    clearDraft(store);
    expect(loadDraft(store)).toEqual(emptyDraft);
  });

  it('reads a damaged draft as far as it is sound', () => {
    const store = new MemoryStore();
    store.setItem(
      'clouddr.activationDraft',
      JSON.stringify({ scopeKind: 'galaxy', tiers: [0, 2, 'x'], region: 7 }),
    );
    expect(loadDraft(store)).toEqual({ ...emptyDraft, tiers: [2] });
    store.setItem('clouddr.activationDraft', '{not json');
    expect(loadDraft(store)).toEqual(emptyDraft);
  });
});
