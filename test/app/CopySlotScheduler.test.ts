/**
 * CopyStart's slots shared by two control-plane regions (src/app/CopySlotScheduler.ts over
 * src/adapters/cosmos/CosmosCopySlots.ts), against the Cosmos emulator: two instances with
 * different region names stand for the two regions, each with its own clock. What must hold: never
 * more copies granted and unreleased than the limit, whoever grants; the oldest waiting copy first;
 * an owner that stops is replaced once its lease has run out, and the slots it granted stay counted.
 */
import type { Container, CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Containers } from '../../src/adapters/cosmos/containers';
import { CosmosCopySlots } from '../../src/adapters/cosmos/CosmosCopySlots';
import { partitionOf } from '../../src/adapters/cosmos/copySlotDocuments';
import { CopySlotScheduler } from '../../src/app/CopySlotScheduler';
import type { CopySlotKey, SlotWake } from '../../src/ports/CopySlots';
import type { WorkQueue } from '../../src/ports/WorkQueue';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';
import { seededRandom } from '../support/seededRandom';

const leaseInMs = 60_000;
const start = Date.parse('2026-12-07T10:00:00Z');

let cosmos: CosmosClient;
let container: Container;

// A database of each test's own: a timer tick looks at every key where a copy waits.
beforeEach(async () => {
  const opened = await openCosmosTestDatabase('copy-slots');
  cosmos = opened.client;
  container = opened.database.container(Containers.copySlots.id);
});
afterEach(() => cosmos?.dispose());

/** A clock the test moves. */
function clockAt(ms: number) {
  const clock = { ms, now: () => new Date(clock.ms) };
  return clock;
}

function freshKey(): CopySlotKey {
  return { subscriptionId: randomUUID(), targetRegion: 'swedencentral' };
}

/** One control-plane region: its slots adapter, its scheduler, its clock and what it announced. */
function region(name: string, limit: number, at = start) {
  const clock = clockAt(at);
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const slots = new CosmosCopySlots(container, name, clock);
  /** The wake-ups this region's scheduler sent. */
  const woken: { queue: string; id: string; body: unknown }[] = [];
  const wakes: WorkQueue = {
    send: async (queue, messages) =>
      void woken.push(...messages.map((m) => ({ queue, id: m.id, body: m.body }))),
  };
  const scheduler = new CopySlotScheduler(
    {
      slots,
      region: name,
      clock,
      events: { emit: (event, properties) => events.push({ event, properties }) },
      wakes,
    },
    { limit, leaseInMs },
  );
  return { name, clock, slots, scheduler, events, woken };
}

/** The requests of a key as stored, read directly. */
async function stored(key: CopySlotKey) {
  const { resources } = await container.items
    .query<{ copyId: string; state: string; grantedBy?: { region: string; epoch: number } }>(
      {
        query: "SELECT * FROM c WHERE c.partition = @p AND c.type = 'copySlot'",
        parameters: [{ name: '@p', value: partitionOf(key) }],
      },
      { partitionKey: partitionOf(key) },
    )
    .fetchAll();
  return resources;
}

const grantedNow = async (key: CopySlotKey) => (await stored(key)).filter((r) => r.state === 'granted');

describe('CopySlotScheduler with CosmosCopySlots', () => {
  it('never has more copies granted and unreleased than the limit, with many requesters and both regions granting at once', async () => {
    const limit = 7;
    const key = freshKey();
    const west = region('westeurope', limit);
    const north = region('northeurope', limit);
    const random = seededRandom(28);
    const copies = Array.from({ length: 40 }, (_, i) => ({ id: `copy-${i}`, from: i % 2 ? west : north }));
    const granted = new Set<string>();
    const released = new Set<string>();
    let maxHeld = 0;
    for (let round = 0; round < 60 && released.size < copies.length; round += 1) {
      // Every copy not yet granted asks (again), from its own region, all at once, while both
      // regions' timers tick.
      const asking = copies.filter((c) => !granted.has(c.id));
      const [answers] = await Promise.all([
        Promise.all(asking.map((c) => c.from.slots.request(key, c.id))),
        west.scheduler.run(),
        north.scheduler.run(),
      ]);
      asking.forEach((c, i) => {
        if (answers[i] === 'granted') granted.add(c.id);
      });
      const held = await grantedNow(key);
      maxHeld = Math.max(maxHeld, held.length);
      expect(held.length).toBeLessThanOrEqual(limit);
      // Some running copies finish, from either region.
      for (const c of copies) {
        if (granted.has(c.id) && !released.has(c.id) && random() < 0.5) {
          await (random() < 0.5 ? west : north).slots.release(key, c.id);
          released.add(c.id);
        }
      }
      west.clock.ms += 5_000;
      north.clock.ms += 5_000;
    }
    expect(released.size).toBe(copies.length);
    expect(maxHeld).toBe(limit);
    // One region owned the key throughout: the other never took a lease that was running.
    const grantors = new Set((await stored(key)).map((r) => `${r.grantedBy?.region}@${r.grantedBy?.epoch}`));
    expect(grantors.size).toBe(1);
  }, 120_000);

  it('grants the oldest waiting copy first', async () => {
    const key = freshKey();
    const west = region('westeurope', 3);
    const ids = ['e', 'a', 'd', 'b', 'c'];
    for (const id of ids) {
      west.clock.ms += 1_000;
      expect(await west.slots.request(key, id)).toBe('waiting');
    }
    await west.scheduler.run();
    const order = async () => (await grantedNow(key)).map((r) => r.copyId).sort();
    expect(await order()).toEqual(['a', 'd', 'e']);
    await west.slots.release(key, 'd');
    await west.scheduler.run();
    expect(await order()).toEqual(['a', 'b', 'e']);
    await west.slots.release(key, 'a');
    await west.scheduler.run();
    expect(await order()).toEqual(['b', 'c', 'e']);
  });

  it('replaces an owner that stopped once its lease ran out, keeping the slots it granted counted', async () => {
    const limit = 4;
    const key = freshKey();
    const west = region('westeurope', limit);
    const north = region('northeurope', limit);
    for (let i = 0; i < 10; i += 1) await west.slots.request(key, `copy-${i}`);
    expect((await west.scheduler.run()).granted).toBe(limit);
    // West stops ticking (its process died, or its region went dark). North's timer sees the
    // waiting copies but the lease is west's and still running.
    expect(await north.scheduler.run()).toMatchObject({ keys: 1, owned: 0, granted: 0 });
    // A second later than the lease, on north's clock: north takes over, raising the epoch, and
    // grants nothing, since west's four copies still hold every slot.
    north.clock.ms += leaseInMs + 1_000;
    expect(await north.scheduler.run()).toMatchObject({ keys: 1, owned: 1, granted: 0 });
    expect(north.events).toEqual([
      {
        event: 'copySlots.owner-changed',
        properties: expect.objectContaining({
          fromRegion: 'westeurope',
          region: 'northeurope',
          epoch: 2,
          holders: 4,
        }),
      },
    ]);
    expect(await grantedNow(key)).toHaveLength(limit);
    // Two of west's copies end (released by whichever region's worker sees them end): north grants two.
    await north.slots.release(key, 'copy-0');
    await west.slots.release(key, 'copy-1');
    expect((await north.scheduler.run()).granted).toBe(2);
    const held = await grantedNow(key);
    expect(held).toHaveLength(limit);
    expect(
      held
        .filter((r) => r.grantedBy?.region === 'northeurope')
        .map((r) => r.copyId)
        .sort(),
    ).toEqual(['copy-4', 'copy-5']);
    // West comes back with its old view: its lease is gone, it grants nothing.
    await north.slots.release(key, 'copy-2');
    expect(await west.scheduler.run()).toMatchObject({ owned: 0, granted: 0 });
    expect(await grantedNow(key)).toHaveLength(limit - 1);
  });

  it('lets one of two regions take a free key when both try at the same moment', async () => {
    const limit = 5;
    const key = freshKey();
    const west = region('westeurope', limit);
    const north = region('northeurope', limit);
    for (let i = 0; i < 12; i += 1) await (i % 2 ? west : north).slots.request(key, `copy-${i}`);
    const [a, b] = await Promise.all([west.scheduler.run(), north.scheduler.run()]);
    expect(a.granted + b.granted).toBe(limit);
    expect(await grantedNow(key)).toHaveLength(limit);
  });

  it('does nothing for keys where nothing waits: the signal is lowered once every copy is granted', async () => {
    const key = freshKey();
    const west = region('westeurope', 5);
    await west.slots.request(key, 'only');
    expect(await west.scheduler.run()).toMatchObject({ keys: 1, granted: 1 });
    // The tick that found nothing more waiting lowered the signal: the next finds no key of ours.
    expect(await west.scheduler.run()).toEqual({ keys: 0, owned: 0, granted: 0 });
    // A new request raises it again.
    await west.slots.request(key, 'next');
    expect(await west.scheduler.run()).toEqual({ keys: 1, owned: 1, granted: 1 });
  });

  it('grants a freed slot at once through grant(key), only in the region owning the key, and waking its copy', async () => {
    const key = freshKey();
    const west = region('westeurope', 2);
    const north = region('northeurope', 2);
    const wake = (copy: string): SlotWake => ({ queue: 'restore-points', id: copy, body: { copy } });
    for (const copy of ['a', 'b', 'c', 'd']) {
      west.clock.ms += 1_000;
      await west.slots.request(key, copy, wake(copy));
    }
    expect((await west.scheduler.run()).granted).toBe(2);
    expect(west.woken.map((m) => m.id)).toEqual(['a', 'b']);
    // A copy ends and its worker, in the region that does not own the key, asks for a grant: none.
    await north.slots.release(key, 'a');
    expect(await north.scheduler.grant(key)).toBe(0);
    expect(north.woken).toEqual([]);
    // In the owning region, the oldest waiting copy gets the slot and its wake-up, with no tick.
    expect(await west.scheduler.grant(key)).toBe(1);
    expect(west.woken.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect((await grantedNow(key)).map((r) => r.copyId).sort()).toEqual(['b', 'c']);
    // Nothing came free: nothing is granted, and the limit holds.
    expect(await west.scheduler.grant(key)).toBe(0);
    // A grant and a tick at once grant the next freed slot once.
    await west.slots.release(key, 'b');
    const [granted, tick] = await Promise.all([west.scheduler.grant(key), west.scheduler.run()]);
    expect(granted + tick.granted).toBe(1);
    expect((await grantedNow(key)).map((r) => r.copyId).sort()).toEqual(['c', 'd']);
    expect(west.woken.map((m) => m.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sends a granted copy’s wake-up once, from the region that granted it, as its requester last asked', async () => {
    const key = freshKey();
    const west = region('westeurope', 2);
    const north = region('northeurope', 2);
    const wake = (copy: string, attempt: number): SlotWake => ({
      queue: 'restore-points',
      id: `${copy}:${attempt}`,
      body: { copy, attempt },
    });
    for (const [i, copy] of ['a', 'b', 'c'].entries()) {
      west.clock.ms += 1_000;
      expect(await (i % 2 ? north : west).slots.request(key, copy, wake(copy, 1))).toBe('waiting');
    }
    // c asks again as its retry's message: its wake-up follows; asked again unchanged, it stays.
    expect(await west.slots.request(key, 'c', wake('c', 2))).toBe('waiting');
    expect(await north.slots.request(key, 'c', wake('c', 2))).toBe('waiting');
    await Promise.all([west.scheduler.run(), north.scheduler.run()]);
    const sent = () => [...west.woken, ...north.woken].map((m) => m.id).sort();
    expect(sent()).toEqual(['a:1', 'b:1']);
    // Whichever region granted them sent them: the other sent nothing.
    expect(west.woken.length === 0 || north.woken.length === 0).toBe(true);
    expect([...west.woken, ...north.woken][0]).toMatchObject({
      queue: 'restore-points',
      body: { attempt: 1 },
    });

    await west.slots.release(key, 'a');
    await Promise.all([west.scheduler.run(), north.scheduler.run()]);
    await Promise.all([west.scheduler.run(), north.scheduler.run()]);
    expect(sent()).toEqual(['a:1', 'b:1', 'c:2']);
    // A copy asking once granted is told so; nothing is sent again.
    expect(await north.slots.request(key, 'c', wake('c', 3))).toBe('granted');
    await Promise.all([west.scheduler.run(), north.scheduler.run()]);
    expect(sent()).toEqual(['a:1', 'b:1', 'c:2']);
  });
});
