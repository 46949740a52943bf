import { describe, expect, it } from 'vitest';
import { SubscriptionDirectories } from '../../../src/adapters/identity/SubscriptionDirectories';
import type { DiskScopeClaim } from '../../../src/domain/diskScope';

const sub = 'aaaaaaaa-0000-4000-8000-000000000001';
const later = 'bbbbbbbb-0000-4000-8000-000000000002';
const directory = 'dddddddd-0000-4000-8000-00000000000d';
const moved = 'eeeeeeee-0000-4000-8000-00000000000e';

function claim(subscription: string, azureDirectoryId?: string): DiskScopeClaim {
  return {
    tenantId: subscription,
    scopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${subscription}` }],
    ...(azureDirectoryId ? { azureDirectoryId } : {}),
  };
}

/** The claims as the store holds them, and how often (and how many at once) they were read. */
function store(initial: DiskScopeClaim[]) {
  const state = { claims: initial, reads: 0, fail: false, gate: undefined as Promise<void> | undefined };
  const load = async () => {
    state.reads += 1;
    await state.gate;
    if (state.fail) throw new Error('state store unreachable');
    return state.claims;
  };
  return { state, load };
}

describe('SubscriptionDirectories', () => {
  it('answers from one read until it is old, then reads the claims again', async () => {
    let now = 0;
    const { state, load } = store([claim(sub, directory)]);
    const directories = new SubscriptionDirectories(load, { refreshAfterInMs: 60_000, now: () => now });
    expect(await directories.directoryOf(sub.toUpperCase())).toBe(directory);
    now = 59_999;
    state.claims = [claim(sub, moved)];
    expect(await directories.directoryOf(sub)).toBe(directory);
    expect(state.reads).toBe(1);
    now = 60_000;
    expect(await directories.directoryOf(sub)).toBe(moved);
    expect(state.reads).toBe(2);
  });

  it('reads again for a subscription it does not know, at most once per miss interval', async () => {
    let now = 0;
    const { state, load } = store([]);
    const directories = new SubscriptionDirectories(load, {
      refreshAfterInMs: 60_000,
      missRefreshAfterInMs: 5_000,
      now: () => now,
    });
    expect(await directories.directoryOf(later)).toBeUndefined();
    state.claims = [claim(later, directory)];
    now = 4_999;
    // The deployment's own subscriptions are misses too: they must not cost a read each.
    expect(await directories.directoryOf(later)).toBeUndefined();
    expect(state.reads).toBe(1);
    now = 5_000;
    expect(await directories.directoryOf(later)).toBe(directory);
    expect(state.reads).toBe(2);
  });

  it('shares one read among the questions asked while it runs', async () => {
    const { state, load } = store([claim(sub, directory)]);
    let open!: () => void;
    state.gate = new Promise((resolve) => (open = resolve));
    const directories = new SubscriptionDirectories(load);
    const answers = Promise.all([sub, later, sub].map((s) => directories.directoryOf(s)));
    open();
    expect(await answers).toEqual([directory, undefined, directory]);
    expect(state.reads).toBe(1);
  });

  it('keeps the last good read while the store fails, and fails without one', async () => {
    let now = 0;
    const { state, load } = store([claim(sub, directory)]);
    state.fail = true;
    const directories = new SubscriptionDirectories(load, { refreshAfterInMs: 1_000, now: () => now });
    await expect(directories.directoryOf(sub)).rejects.toThrow('state store unreachable');
    state.fail = false;
    expect(await directories.directoryOf(sub)).toBe(directory);
    state.fail = true;
    now = 1_000;
    expect(await directories.directoryOf(sub)).toBe(directory);
    const reads = state.reads;
    // Stamped at the failure: not read again on every question while the store is down.
    now = 1_500;
    expect(await directories.directoryOf(sub)).toBe(directory);
    expect(state.reads).toBe(reads);
  });
});
