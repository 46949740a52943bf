/**
 * The compliance index's timer fields against the Cosmos emulator: the time of the next RPO
 * announcement follows every write that moves it (a verified point, an announcement, a policy's
 * new RPO), and the compactor looks at a histogram shard only when it is due, setting when next.
 */
import type { Container, CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCompactionAtMs } from '../../../src/adapters/cosmos/CosmosComplianceIndex';
import { CosmosDeviceStore } from '../../../src/adapters/cosmos/CosmosDeviceStore';
import { Containers } from '../../../src/adapters/cosmos/containers';
import { bucketMs, compactAfterMs, oldAfterMs } from '../../../src/domain/complianceHistogram';
import type { Device } from '../../../src/domain/device';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';

const hour = 3_600_000;
const start = Date.parse('2030-01-01T00:00:00Z');
const clock = { time: start, now: () => new Date(clock.time) };

let client: CosmosClient;
let container: Container;
let store: CosmosDeviceStore;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('compliance-index');
  client = opened.client;
  container = opened.database.container(Containers.devices.id);
  store = new CosmosDeviceStore(container, 'westeurope', clock);
});
afterAll(() => client.dispose());

async function registered(tenantId: string, id: string, rpoHours: 1 | 4 = 1): Promise<Device> {
  return await store.register(
    {
      id,
      tenantId,
      upn: `${id}@contoso.test`,
      primaryRegion: 'westeurope',
      disk: { kind: 'pageBlob', container: 'disks', blob: `${id}.vhd` },
      policyId: 'p1',
      priorityTier: 1,
      protection: { backupRegion: 'northeurope', rpoHours, enabled: true },
      nextDueAt: new Date(start + 10 * hour).toISOString(),
      announced: 'not-yet-protected',
      createdAt: new Date(start).toISOString(),
      updatedAt: new Date(start).toISOString(),
    },
    10,
  );
}

const transitionsOf = async (tenantId: string, at: number) =>
  (await store.complianceTransitions(new Date(at), 100))
    .filter((t) => t.device.tenantId === tenantId)
    .map((t) => `${t.device.id}:${t.to}`);

describe('the next RPO announcement', () => {
  it('is found at one RPO, then at two, and moves when the policy’s RPO changes', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const device = await registered(tenantId, 'dev-1', 4);
    await store.recordVerified(device, { takenAt: new Date(start), name: 'p' }, new Date(start));

    expect(await transitionsOf(tenantId, start + 4 * hour)).toEqual([]);
    // A 1-hour RPO now: at risk after one hour, no longer after four.
    await store.applyProtection(tenantId, 'p1', { backupRegion: 'northeurope', rpoHours: 1, enabled: true });
    expect(await transitionsOf(tenantId, start + hour)).toEqual([]);
    const atRisk = await store.complianceTransitions(new Date(start + hour + 1), 100);
    expect(atRisk.filter((t) => t.device.tenantId === tenantId).map((t) => t.to)).toEqual(['at-risk']);
    await store.announce(atRisk.find((t) => t.device.tenantId === tenantId)!.device, 'at-risk');

    expect(await transitionsOf(tenantId, start + 2 * hour)).toEqual([]);
    expect(await transitionsOf(tenantId, start + 2 * hour + 1)).toEqual(['dev-1:breached']);
  });

  it('is not recorded by an announcement about a point older than the device’s last', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const device = await registered(tenantId, 'dev-1');
    const first = await store.recordVerified(
      device,
      { takenAt: new Date(start), name: 'a' },
      new Date(start),
    );
    await store.recordVerified(first, { takenAt: new Date(start + hour), name: 'b' }, new Date(start + hour));

    // The announcement was judged on the first point; the second was verified meanwhile.
    await store.announce(first, 'at-risk');
    expect((await store.get(tenantId, 'dev-1'))?.announced).toBe('protected');
    expect(await transitionsOf(tenantId, start + 2 * hour + 1)).toEqual(['dev-1:at-risk']);
  });
});

describe('histogram compaction', () => {
  it('looks at a shard when due, folds what is old, and sets when to look again', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const device = await registered(tenantId, 'dev-1');
    await store.recordVerified(device, { takenAt: new Date(start), name: 'p' }, new Date(start));
    const shard = async () =>
      (
        await container.items
          .query<{ buckets: Record<string, number>; compactAtMs: number }>({
            query: "SELECT * FROM c WHERE c.tenantId = @t AND c.type = 'histogram'",
            parameters: [{ name: '@t', value: tenantId }],
          })
          .fetchAll()
      ).resources[0]!;
    // A new shard is due at once; the first look sets its time from its oldest minute.
    expect((await shard()).compactAtMs).toBe(0);
    await store.compactHistograms(new Date(start));
    const keyStart = Math.floor(start / bucketMs) * bucketMs;
    expect((await shard()).compactAtMs).toBe(keyStart + bucketMs + compactAfterMs);

    // Not looked at before then: a count put in by hand stays where it is.
    await container
      .item((await shardId(tenantId))!, tenantId)
      .patch([{ op: 'set', path: '/buckets/m1', value: 5 }]);
    await store.compactHistograms(new Date(start + 10 * hour));
    expect((await shard()).buckets['m1']).toBe(5);

    const due = keyStart + bucketMs + compactAfterMs;
    await store.compactHistograms(new Date(due));
    const after = await shard();
    // The device's minute and the hand-put one folded into 'old'; no minute left, so an hour on.
    expect(after.buckets).toEqual({ never: 0, old: 6 });
    expect(after.compactAtMs).toBe(nextCompactionAtMs(after.buckets, due));
    expect(after.compactAtMs).toBe(due + compactAfterMs - oldAfterMs);
  });

  it('makes a shard written before compactAtMs existed due, when this region next writes it', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const device = await registered(tenantId, 'dev-1');
    const id = (await shardId(tenantId))!;
    const { resource } = await container.item(id, tenantId).read<Record<string, unknown>>();
    const { compactAtMs: _c, _etag, _rid, _self, _ts, _attachments, ...legacy } = resource!;
    await container.item(id, tenantId).replace({ ...legacy, buckets: { never: 1, m1: 1 } });

    // A fresh process (no memory of the shard) records a point: the shard gets its field.
    const fresh = new CosmosDeviceStore(container, 'westeurope', clock);
    await fresh.recordVerified(device, { takenAt: new Date(start), name: 'p' }, new Date(start));
    await fresh.compactHistograms(new Date(start));
    const { resource: after } = await container
      .item(id, tenantId)
      .read<{ buckets: Record<string, number> }>();
    expect(after?.buckets['m1']).toBeUndefined();
    expect(after?.buckets['old']).toBe(1);
  });
});

async function shardId(tenantId: string): Promise<string | undefined> {
  const { resources } = await container.items
    .query<{ id: string }>({
      query: "SELECT c.id FROM c WHERE c.tenantId = @t AND c.type = 'histogram'",
      parameters: [{ name: '@t', value: tenantId }],
    })
    .fetchAll();
  return resources[0]?.id;
}
