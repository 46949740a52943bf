/**
 * The requesters' side of CopyStart's slots and the owner's reads and writes
 * (src/adapters/cosmos/CosmosCopySlots.ts), against the Cosmos emulator: a request is one document
 * however often it is asked, a release is final, and the owner's view of who holds a slot neither
 * forgets a granted copy nor keeps one that is gone.
 */
import type { Container, CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containers } from '../../../src/adapters/cosmos/containers';
import { CosmosCopySlots } from '../../../src/adapters/cosmos/CosmosCopySlots';
import { partitionOf, requestIdOf } from '../../../src/adapters/cosmos/copySlotDocuments';
import { ConflictError } from '../../../src/domain/errors';
import type { CopySlotKey } from '../../../src/ports/CopySlots';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';

let cosmos: CosmosClient;
let container: Container;
const clock = { ms: Date.parse('2026-12-07T10:00:00Z'), now: () => new Date(clock.ms) };
let slots: CosmosCopySlots;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('cosmos-copy-slots');
  cosmos = opened.client;
  container = opened.database.container(Containers.copySlots.id);
  slots = new CosmosCopySlots(container, 'westeurope', clock);
});
afterAll(() => cosmos?.dispose());

const freshKey = (): CopySlotKey => ({ subscriptionId: randomUUID(), targetRegion: 'swedencentral' });

async function documents(key: CopySlotKey) {
  const { resources } = await container.items
    .query<Record<string, unknown>>({
      query: 'SELECT * FROM c WHERE c.partition = @p',
      parameters: [{ name: '@p', value: partitionOf(key) }],
    })
    .fetchAll();
  return resources;
}

/** Grants every waiting copy of the key, as an owner would (lease taken by this region). */
async function grantAll(key: CopySlotKey) {
  const lease = await slots.lease(key);
  const waiting = await slots.oldestWaiting(key, 100);
  return await slots.commit(
    lease,
    {
      region: 'westeurope',
      epoch: lease.epoch + 1,
      leaseUntil: new Date(clock.ms + 60_000).toISOString(),
      holders: lease.holders,
    },
    waiting,
    clock.now(),
  );
}

describe('CosmosCopySlots: requesting and releasing', () => {
  it('keeps one request per copy however often it is asked, granted once the owner grants it', async () => {
    const key = freshKey();
    expect(await slots.request(key, 'copy-1')).toBe('waiting');
    expect(await slots.request(key, 'copy-1')).toBe('waiting');
    expect((await documents(key)).filter((d) => d['type'] === 'copySlot')).toHaveLength(1);
    expect((await grantAll(key)).granted).toEqual([requestIdOf('copy-1')]);
    expect(await slots.request(key, 'copy-1')).toBe('granted');
    expect(await slots.request(key, 'copy-1')).toBe('granted');
  });

  it('takes any copy id, an ARM resource id included, and keys compare without case', async () => {
    const key = freshKey();
    const copyId = `/subscriptions/${key.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s#1`;
    expect(await slots.request(key, copyId)).toBe('waiting');
    const upper = { subscriptionId: key.subscriptionId.toUpperCase(), targetRegion: 'SwedenCentral' };
    expect(await slots.request(upper, copyId)).toBe('waiting');
    await grantAll(key);
    expect(await slots.request(upper, copyId)).toBe('granted');
    expect((await documents(key)).filter((d) => d['type'] === 'copySlot')).toEqual([
      expect.objectContaining({ copyId, subscriptionId: key.subscriptionId, targetRegion: 'swedencentral' }),
    ]);
  });

  it('releases once: a second release changes nothing, and a released copy asking again is refused', async () => {
    const key = freshKey();
    await slots.request(key, 'copy-1');
    await grantAll(key);
    await slots.release(key, 'copy-1');
    const [released] = (await documents(key)).filter((d) => d['type'] === 'copySlot');
    clock.ms += 1_000;
    await slots.release(key, 'copy-1');
    const [again] = (await documents(key)).filter((d) => d['type'] === 'copySlot');
    expect(again).toMatchObject({ state: 'released', releasedAt: released!['releasedAt'], ttl: 7 * 86_400 });
    const refusal = await slots.request(key, 'copy-1').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ConflictError);
    expect(refusal).toMatchObject({ code: 'copy-slot-released' });
  });

  it('records a release that comes before any request, so a late request is refused', async () => {
    const key = freshKey();
    await slots.release(key, 'abandoned');
    await expect(slots.request(key, 'abandoned')).rejects.toMatchObject({ code: 'copy-slot-released' });
  });
});

describe('CosmosCopySlots: the owner', () => {
  it('does not grant a copy released between listing and granting, and grants the rest', async () => {
    const key = freshKey();
    for (const id of ['a', 'b', 'c']) await slots.request(key, id);
    const lease = await slots.lease(key);
    const waiting = await slots.oldestWaiting(key, 10);
    await slots.release(key, 'b');
    const commit = await slots.commit(
      lease,
      { region: 'westeurope', epoch: 1, leaseUntil: new Date(clock.ms + 60_000).toISOString(), holders: [] },
      waiting,
      clock.now(),
    );
    expect(commit.granted.sort()).toEqual([requestIdOf('a'), requestIdOf('c')]);
    expect(commit.lease?.holders.map((h) => h.requestId).sort()).toEqual([
      requestIdOf('a'),
      requestIdOf('c'),
    ]);
    expect(await slots.request(key, 'a')).toBe('granted');
  });

  it('grants nothing on a lease that changed since it was read', async () => {
    const key = freshKey();
    await slots.request(key, 'a');
    const stale = await slots.lease(key);
    const waiting = await slots.oldestWaiting(key, 10);
    const next = {
      region: 'westeurope',
      epoch: 1,
      leaseUntil: new Date(clock.ms + 60_000).toISOString(),
      holders: [],
    };
    expect((await slots.commit(stale, next, [], clock.now())).lease).toBeDefined();
    expect(await slots.commit(stale, { ...next, region: 'northeurope' }, waiting, clock.now())).toEqual({
      granted: [],
    });
    expect(await slots.request(key, 'a')).toBe('waiting');
  });

  it('grants more than one batch holds in one commit (Cosmos DB takes 100 operations a batch)', async () => {
    const key = freshKey();
    await Promise.all(Array.from({ length: 130 }, (_, i) => slots.request(key, `copy-${i}`)));
    const commit = await grantAll(key);
    expect(commit.granted).toHaveLength(100);
    expect(commit.lease?.holders).toHaveLength(100);
  });

  it('counts as holders the lease’s copies not seen released, plus any granted copy the lease lost', async () => {
    const key = freshKey();
    for (const id of ['a', 'b', 'c']) await slots.request(key, id);
    const { lease } = await grantAll(key);
    await slots.release(key, 'b');
    // A lease written without 'c' (a write lost to a conflict between regions), and one holder
    // whose request expired long ago, and one granted a moment ago that a read has not caught up with.
    const old = new Date(clock.ms - 2 * 86_400_000).toISOString();
    const recent = new Date(clock.ms - 1_000).toISOString();
    const view = {
      ...lease!,
      holders: [
        ...lease!.holders.filter((h) => h.requestId !== requestIdOf('c')),
        { requestId: requestIdOf('expired'), grantedAt: old },
        { requestId: requestIdOf('not-yet-seen'), grantedAt: recent },
      ],
    };
    const holders = await slots.holders(view, clock.now());
    expect(holders.map((h) => h.requestId).sort()).toEqual(
      [requestIdOf('a'), requestIdOf('c'), requestIdOf('not-yet-seen')].sort(),
    );
  });
});
