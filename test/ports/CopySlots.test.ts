/**
 * The CopySlots port's contract (src/ports/CopySlots.ts), held by both implementations with the
 * same cases: CosmosCopySlots against the Cosmos emulator, granted by a CopySlotScheduler as in
 * production, and the MemoryCopySlots tests stand on (test/support/memoryCopySlots.ts). A test
 * written on the memory slots then means what it would with the real ones: above all, a release
 * is final, so a copy that runs again must ask under a new copy id.
 */
import type { Container, CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containers } from '../../src/adapters/cosmos/containers';
import { CosmosCopySlots } from '../../src/adapters/cosmos/CosmosCopySlots';
import { CopySlotScheduler } from '../../src/app/CopySlotScheduler';
import { ConflictError } from '../../src/domain/errors';
import type { CopySlotKey, CopySlots } from '../../src/ports/CopySlots';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';
import { MemoryCopySlots } from '../support/memoryCopySlots';

/** One implementation with `limit` slots per key, and how its owner grants what waits. */
interface Implementation {
  slots: CopySlots;
  /** Grants waiting copies up to the limit (the memory slots grant as they are asked: nothing to do). */
  grant(): Promise<void>;
}

let cosmos: CosmosClient;
let container: Container;
const clock = { ms: Date.parse('2026-12-07T10:00:00Z'), now: () => new Date(clock.ms) };

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('copy-slots-contract');
  cosmos = opened.client;
  container = opened.database.container(Containers.copySlots.id);
});
afterAll(() => cosmos?.dispose());

const implementations: [string, (limit: number) => Implementation][] = [
  ['MemoryCopySlots', (limit) => ({ slots: new MemoryCopySlots(limit), grant: async () => undefined })],
  [
    'CosmosCopySlots',
    (limit) => {
      const slots = new CosmosCopySlots(container, 'westeurope', clock);
      const scheduler = new CopySlotScheduler(
        { slots, region: 'westeurope', clock, events: { emit: () => undefined } },
        { limit },
      );
      return { slots, grant: async () => void (await scheduler.run()) };
    },
  ],
];

const freshKey = (): CopySlotKey => ({ subscriptionId: randomUUID(), targetRegion: 'swedencentral' });

describe.each(implementations)('CopySlots contract: %s', (_name, make) => {
  /** Asks until granted, letting the owner grant in between (at most twice). */
  async function granted(impl: Implementation, key: CopySlotKey, copyId: string): Promise<void> {
    for (let round = 0; round < 2; round += 1) {
      if ((await impl.slots.request(key, copyId)) === 'granted') return;
      await impl.grant();
    }
    expect(await impl.slots.request(key, copyId)).toBe('granted');
  }

  it('answers a granted copy the same however often it asks', async () => {
    const impl = make(10);
    const key = freshKey();
    await granted(impl, key, 'copy-1');
    expect(await impl.slots.request(key, 'copy-1')).toBe('granted');
    expect(
      await impl.slots.request({ ...key, subscriptionId: key.subscriptionId.toUpperCase() }, 'copy-1'),
    ).toBe('granted');
  });

  it('refuses a released copy id asking again, with copy-slot-released, after any number of releases', async () => {
    const impl = make(10);
    const key = freshKey();
    await granted(impl, key, 'copy-1');
    await impl.slots.release(key, 'copy-1');
    await impl.slots.release(key, 'copy-1');
    for (let ask = 0; ask < 2; ask += 1) {
      const refusal = await impl.slots.request(key, 'copy-1').catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(ConflictError);
      expect(refusal).toMatchObject({ code: 'copy-slot-released' });
    }
  });

  it('refuses a request that comes after its release, when the release came first', async () => {
    const impl = make(10);
    const key = freshKey();
    await impl.slots.release(key, 'abandoned');
    await expect(impl.slots.request(key, 'abandoned')).rejects.toMatchObject({ code: 'copy-slot-released' });
  });

  it('gives a released slot back: the copy waiting for it, or the same copy under a new id, is granted', async () => {
    const impl = make(1);
    const key = freshKey();
    await granted(impl, key, 'copy-1');
    expect(await impl.slots.request(key, 'copy-2')).toBe('waiting');
    await impl.grant();
    expect(await impl.slots.request(key, 'copy-2')).toBe('waiting');
    await impl.slots.release(key, 'copy-1');
    await granted(impl, key, 'copy-2');
    await impl.slots.release(key, 'copy-2');
    // The first copy running again (its target removed and started anew) asks under a new id.
    await granted(impl, key, 'copy-1#1');
  });
});
