/**
 * The one ownership check every activation step makes (src/app/DriverLease.ts), against activations
 * in the Cosmos emulator: a driver of another epoch or region is told it no longer owns the
 * activation; an owner's lease is renewed once half spent, in the same conditional write as the
 * step's change, and a concurrent change is read again rather than overwritten.
 */
import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosActivationStore } from '../../src/adapters/cosmos/CosmosActivationStore';
import { Containers } from '../../src/adapters/cosmos/containers';
import type { ActivationDriverInput } from '../../src/app/activationOrchestrations';
import { DriverLease } from '../../src/app/DriverLease';
import type { Activation } from '../../src/domain/activation';
import type { ActivationStore } from '../../src/ports/ActivationStore';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';

const region = 'westeurope';
const leaseInMs = 60_000;
const start = Date.parse('2026-03-01T10:00:00.000Z');

let cosmos: CosmosClient;
let store: CosmosActivationStore;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('driver-lease');
  cosmos = opened.client;
  store = new CosmosActivationStore(
    opened.database.container(Containers.activations.id),
    opened.database.container(Containers.recoveries.id),
    region,
  );
});
afterAll(() => cosmos?.dispose());

/** A wall clock the test sets. */
function clockAt(ms: number) {
  let at = ms;
  return { now: () => new Date(at), set: (next: number) => void (at = next) };
}

async function recorded(leaseUntilMs: number, owner: Partial<Activation['owner']> = {}): Promise<Activation> {
  return await store.create({
    id: `act-${randomUUID()}`,
    tenantId: randomUUID(),
    idempotencyKey: randomUUID(),
    requestHash: 'hash',
    scope: { kind: 'devices', deviceIds: ['d1'] },
    recoverFirst: [],
    waveDeadlineMinutes: 60,
    state: 'recovering',
    requestedBy: 'oncall@contoso.test',
    requestedAt: new Date(start).toISOString(),
    waves: [],
    owner: { region, epoch: 2, leaseUntil: new Date(leaseUntilMs).toISOString(), ...owner },
    updatedAt: new Date(start).toISOString(),
  });
}

const driverOf = (activation: Activation, epoch = activation.owner.epoch): ActivationDriverInput => ({
  tenantId: activation.tenantId,
  activationId: activation.id,
  epoch,
  pollIntervalInMs: 1_000,
});

function leaseOn(
  activations: ActivationStore,
  wallClock: { now(): Date },
  driverRegion = region,
): DriverLease {
  return new DriverLease(
    { store: activations, region: driverRegion, clock: wallClock },
    { leaseInMs, wallClock },
  );
}

describe('DriverLease.own', () => {
  it('answers the activation without writing while more than half the lease is left', async () => {
    const activation = await recorded(start + leaseInMs);
    const clock = clockAt(start + leaseInMs / 2 - 1_000);
    const owned = await leaseOn(store, clock).own(driverOf(activation));
    expect(owned?.version).toBe(activation.version);
    expect((await store.get(activation.tenantId, activation.id))!.version).toBe(activation.version);
  });

  it('renews the lease once half of it is spent', async () => {
    const activation = await recorded(start + leaseInMs);
    const clock = clockAt(start + leaseInMs / 2 + 1_000);
    const owned = await leaseOn(store, clock).own(driverOf(activation));
    const leaseUntil = new Date(start + leaseInMs / 2 + 1_000 + leaseInMs).toISOString();
    expect(owned?.owner).toEqual({ region, epoch: 2, leaseUntil });
    expect((await store.get(activation.tenantId, activation.id))!.owner.leaseUntil).toBe(leaseUntil);
  });

  it('still owns an activation whose lease ran out, until another driver adopts it', async () => {
    const activation = await recorded(start - 1_000);
    expect(await leaseOn(store, clockAt(start)).own(driverOf(activation))).toBeDefined();
  });

  it('answers undefined to a driver of another epoch or region, or for an activation that is gone, and writes nothing', async () => {
    const activation = await recorded(start);
    const clock = clockAt(start + leaseInMs);
    expect(await leaseOn(store, clock).own(driverOf(activation, 1))).toBeUndefined();
    expect(await leaseOn(store, clock).own(driverOf(activation, 3))).toBeUndefined();
    expect(await leaseOn(store, clock, 'northeurope').own(driverOf(activation))).toBeUndefined();
    expect(
      await leaseOn(store, clock).own({ ...driverOf(activation), activationId: 'act-gone' }),
    ).toBeUndefined();
    expect((await store.get(activation.tenantId, activation.id))!.version).toBe(activation.version);
  });
});

describe('DriverLease.update', () => {
  it('writes the change and the renewed lease in one write', async () => {
    const activation = await recorded(start + leaseInMs);
    const clock = clockAt(start + 10_000);
    const updated = await leaseOn(store, clock).update(driverOf(activation), (a) => ({
      ...a,
      plannedAt: 'changed',
    }));
    const stored = (await store.get(activation.tenantId, activation.id))!;
    expect(stored.plannedAt).toBe('changed');
    expect(stored.owner.leaseUntil).toBe(new Date(start + 10_000 + leaseInMs).toISOString());
    expect(updated?.version).toBe(stored.version);
  });

  it('reads again and applies the change to what another writer left, rather than overwrite it', async () => {
    const activation = await recorded(start + leaseInMs);
    let raced = false;
    // Another writer (a cancel) lands between the lease's read and its write, once.
    const racing: ActivationStore = Object.create(store, {
      replace: {
        value: async (next: Activation, ifVersion: string) => {
          if (!raced) {
            raced = true;
            const current = (await store.get(activation.tenantId, activation.id))!;
            await store.replace({ ...current, state: 'cancelled' }, current.version!);
          }
          return await store.replace(next, ifVersion);
        },
      },
    });
    const seen: Activation['state'][] = [];
    const updated = await leaseOn(racing, clockAt(start)).update(driverOf(activation), (a) => {
      seen.push(a.state);
      return { ...a, plannedAt: 'changed' };
    });
    expect(seen).toEqual(['recovering', 'cancelled']);
    expect(updated).toMatchObject({ state: 'cancelled', plannedAt: 'changed' });
  });

  it('applies no change for a driver that no longer owns the activation', async () => {
    const activation = await recorded(start + leaseInMs);
    let asked = false;
    const updated = await leaseOn(store, clockAt(start)).update(driverOf(activation, 1), (a) => {
      asked = true;
      return { ...a, plannedAt: 'changed' };
    });
    expect(updated).toBeUndefined();
    expect(asked).toBe(false);
    expect((await store.get(activation.tenantId, activation.id))!.plannedAt).toBeUndefined();
  });
});
