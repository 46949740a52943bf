/**
 * Bulk point requests recorded by idempotency key (src/adapters/cosmos/CosmosBulkPointRequests.ts),
 * against the Cosmos emulator: the first request with a key is the one recorded, however many
 * arrive at once; a key is the tenant's own; old records are forgotten, recent ones kept; and none
 * of it shows in the device store that shares the container.
 */
import type { Container, CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containers } from '../../../src/adapters/cosmos/containers';
import { CosmosBulkPointRequests } from '../../../src/adapters/cosmos/CosmosBulkPointRequests';
import { CosmosDeviceStore } from '../../../src/adapters/cosmos/CosmosDeviceStore';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';

let cosmos: CosmosClient;
let container: Container;
let requests: CosmosBulkPointRequests;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('cosmos-bulk-points');
  cosmos = opened.client;
  container = opened.database.container(Containers.devices.id);
  requests = new CosmosBulkPointRequests(container);
});
afterAll(() => cosmos?.dispose());

const at = (iso: string) => new Date(iso).toISOString();

describe('CosmosBulkPointRequests', () => {
  it('records the first request with a key, and answers it to every later one', async () => {
    const tenantId = randomUUID();
    const first = {
      tenantId,
      idempotencyKey: 'k-1',
      policyId: 'standard',
      takenAt: at('2026-06-01T09:00:00Z'),
    };
    expect(await requests.recordOnce(first)).toEqual({ recorded: first, created: true });
    const later = { ...first, policyId: 'other', takenAt: at('2026-06-01T09:05:00Z') };
    expect(await requests.recordOnce(later)).toEqual({ recorded: first, created: false });
  });

  it('records one of many concurrent first requests, and answers that one to all', async () => {
    const tenantId = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        requests.recordOnce({
          tenantId,
          idempotencyKey: 'race',
          policyId: `p${i}`,
          takenAt: at(`2026-06-01T09:00:0${i}Z`),
        }),
      ),
    );
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    const winner = answers.find((a) => a.created)!.recorded;
    for (const answer of answers) expect(answer.recorded).toEqual(winner);
  });

  it("keeps each tenant's keys apart", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const takenAt = at('2026-06-01T09:00:00Z');
    expect(
      (await requests.recordOnce({ tenantId: a, idempotencyKey: 'same', policyId: 'pa', takenAt })).created,
    ).toBe(true);
    const other = await requests.recordOnce({ tenantId: b, idempotencyKey: 'same', policyId: 'pb', takenAt });
    expect(other).toMatchObject({ created: true, recorded: { tenantId: b, policyId: 'pb' } });
  });

  it('forgets records older than the cut-off, at most the limit, and keeps newer ones', async () => {
    const tenantId = randomUUID();
    for (const [key, takenAt] of [
      ['old-1', '2026-06-01T08:00:00Z'],
      ['old-2', '2026-06-01T08:30:00Z'],
      ['old-3', '2026-06-01T08:45:00Z'],
      ['new', '2026-06-01T09:30:00Z'],
    ] as const)
      await requests.recordOnce({ tenantId, idempotencyKey: key, policyId: 'p', takenAt: at(takenAt) });
    const cutOff = new Date('2026-06-01T09:00:00Z');
    expect(await requests.forgetRecordedBefore(tenantId, cutOff, 2)).toBe(2);
    expect(await requests.forgetRecordedBefore(tenantId, cutOff, 2)).toBe(1);
    expect(await requests.forgetRecordedBefore(tenantId, cutOff, 2)).toBe(0);
    // A forgotten key is a new request; the kept one is still the first.
    const again = await requests.recordOnce({
      tenantId,
      idempotencyKey: 'old-1',
      policyId: 'p',
      takenAt: at('2026-06-02T10:00:00Z'),
    });
    expect(again).toMatchObject({ created: true, recorded: { takenAt: at('2026-06-02T10:00:00Z') } });
    expect(
      (
        await requests.recordOnce({
          tenantId,
          idempotencyKey: 'new',
          policyId: 'p',
          takenAt: at('2026-06-02T10:00:00Z'),
        })
      ).recorded.takenAt,
    ).toBe(at('2026-06-01T09:30:00Z'));
  });

  it('stays out of the device store that shares the container', async () => {
    const tenantId = randomUUID();
    await requests.recordOnce({
      tenantId,
      idempotencyKey: 'hidden',
      policyId: 'p',
      takenAt: at('2026-06-01T09:00:00Z'),
    });
    const devices = new CosmosDeviceStore(container, 'westeurope');
    const page = await devices.list(tenantId, { policyId: 'p' }, { pageSize: 100 }, new Date());
    expect(page.items).toEqual([]);
    expect(await devices.list(tenantId, {}, { pageSize: 100 }, new Date())).toMatchObject({ items: [] });
    expect(await devices.get(tenantId, 'bulkPoints:hidden')).toBeUndefined();
  });
});
