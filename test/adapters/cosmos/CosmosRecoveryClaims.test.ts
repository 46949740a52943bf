/**
 * Claiming devices for an activation in batches, against the Cosmos emulator: the batch is all or
 * nothing, so the store must still claim every free device of a batch that one held device fails.
 */
import { Item, type Container, type CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CosmosRecoveryClaims } from '../../../src/adapters/cosmos/CosmosRecoveryClaims';
import { DevicePartition } from '../../../src/adapters/cosmos/DevicePartition';
import { Containers } from '../../../src/adapters/cosmos/containers';
import type { DeviceRecovery } from '../../../src/domain/device';
import { systemClock } from '../../../src/ports/Clock';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';

let client: CosmosClient;
let devices: Container;
let store: CosmosRecoveryClaims;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('device-claims');
  client = opened.client;
  devices = opened.database.container(Containers.devices.id);
  store = new CosmosRecoveryClaims(new DevicePartition(devices, 'westeurope', systemClock));
});
afterAll(() => client.dispose());
afterEach(() => vi.restoreAllMocks());

const ids = (n: number) => Array.from({ length: n }, (_, i) => `dev-${String(i).padStart(3, '0')}`);

function recovery(activationId: string): DeviceRecovery {
  return {
    activationId,
    state: 'recovering',
    backupRegion: 'northeurope',
    since: '2030-01-01T00:00:00.000Z',
  };
}

/** Only what the claim reads and writes: the claim patches `/recovery` and nothing else. */
async function seed(tenantId: string, deviceIds: string[], held: Record<string, string> = {}): Promise<void> {
  for (const id of deviceIds) {
    await devices.items.create({
      id,
      tenantId,
      type: 'device',
      ...(held[id] ? { recovery: recovery(held[id]) } : {}),
    });
  }
}

async function holderOf(tenantId: string, id: string): Promise<string | undefined> {
  const { resource } = await devices.item(id, tenantId).read<{ recovery?: DeviceRecovery | null }>();
  return resource?.recovery?.activationId;
}

describe('claimAllForRecovery', () => {
  it('claims every free device, over more than one batch of 100', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const all = ids(150);
    await seed(tenantId, all);
    const batches = vi.spyOn(devices.items, 'batch');
    const singles = vi.spyOn(Item.prototype, 'patch');

    const claimed = await store.claimAllForRecovery(
      tenantId,
      all.map((deviceId) => ({ deviceId, recovery: recovery('act-1') })),
    );

    expect([...claimed].sort()).toEqual(all);
    expect(batches).toHaveBeenCalledTimes(2);
    expect(singles).not.toHaveBeenCalled();
    for (const id of [all[0]!, all[99]!, all[100]!, all[149]!])
      expect(await holderOf(tenantId, id)).toBe('act-1');
  });

  it('claims the free devices of a batch that a held or missing device fails, and leaves the held one alone', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const all = ids(120);
    await seed(tenantId, all.slice(0, 110), { 'dev-007': 'act-other', 'dev-105': 'act-other' });

    const claimed = await store.claimAllForRecovery(
      tenantId,
      all.map((deviceId) => ({ deviceId, recovery: recovery('act-1') })),
    );

    // dev-110 … dev-119 were never stored.
    const expected = all.slice(0, 110).filter((id) => id !== 'dev-007' && id !== 'dev-105');
    expect([...claimed].sort()).toEqual(expected);
    expect(await holderOf(tenantId, 'dev-007')).toBe('act-other');
    expect(await holderOf(tenantId, 'dev-105')).toBe('act-other');
    expect(await holderOf(tenantId, 'dev-006')).toBe('act-1');
    expect(await holderOf(tenantId, 'dev-104')).toBe('act-1');
  });

  it('counts a device this activation already holds as claimed: a replayed page plans the same tasks', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const all = ids(5);
    await seed(tenantId, all, { 'dev-002': 'act-1' });

    const claimed = await store.claimAllForRecovery(
      tenantId,
      all.map((deviceId) => ({ deviceId, recovery: recovery('act-1') })),
    );

    expect([...claimed].sort()).toEqual(all);
  });

  it('claims nothing of an empty list', async () => {
    expect((await store.claimAllForRecovery(`tenant-${randomUUID()}`, [])).size).toBe(0);
  });
});
