/**
 * The compliance summary's counts per primary region, from index-served counts against the Cosmos
 * emulator: the same devices, to the minute, as the policy's histogram counts, so the regions of a
 * policy add up to it; and a device list sorted by last verified point, paged.
 */
import type { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosDeviceStore } from '../../../src/adapters/cosmos/CosmosDeviceStore';
import { Containers } from '../../../src/adapters/cosmos/containers';
import { countStatuses } from '../../../src/domain/complianceHistogram';
import type { Device } from '../../../src/domain/device';
import { complianceStatuses } from '../../../src/domain/rpo';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';

const hour = 3_600_000;
const rpo = hour;
/** Not on a minute: the thresholds round to whole minutes as the histogram's buckets do. */
const now = new Date(Date.parse('2030-01-01T12:00:00Z') + 25_000);
const clock = { now: () => now };

let client: CosmosClient;
let store: CosmosDeviceStore;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('region-counts');
  client = opened.client;
  store = new CosmosDeviceStore(opened.database.container(Containers.devices.id), 'westeurope', clock);
});
afterAll(() => client.dispose());

async function registered(
  tenantId: string,
  id: string,
  primaryRegion: string,
  licences = 100,
): Promise<Device> {
  return await store.register(
    {
      id,
      tenantId,
      upn: `${id}@contoso.test`,
      primaryRegion,
      disk: { kind: 'pageBlob', container: 'disks', blob: `${id}.vhd` },
      policyId: 'p1',
      priorityTier: 1,
      protection: { backupRegion: 'swedencentral', rpoHours: 1, enabled: true },
      nextDueAt: new Date(now.getTime() + 10 * hour).toISOString(),
      announced: 'not-yet-protected',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    },
    licences,
  );
}

/**
 * Ages around each boundary. At 12:00:25 a device is protected when its minute started at most one
 * RPO ago: verified at 11:01:00.000 or later (59 min 25 s), at risk from 10:01:00.000. A point exactly
 * one RPO old (11:00:25) is at risk: its minute started a little more than one RPO ago, as the
 * histogram counts it (up to a minute early, never late).
 */
const ages = [
  10 * 60_000, // protected
  rpo - 35_000, // protected: 11:01:00.000
  rpo - 34_999, // at risk: 11:00:59.999
  rpo, // at risk
  2 * rpo - 35_000, // at risk: 10:01:00.000
  2 * rpo - 34_999, // breached: 10:00:59.999
  2 * rpo + 3 * 60_000, // breached
  60 * hour, // breached: the histogram's 'old' key
];

describe('statusCounts', () => {
  it('counts each region as the policy histogram counts its devices, to the minute, adding up to it', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const regions = ['westeurope', 'northeurope'];
    let n = 0;
    for (const region of regions) {
      for (const age of ages) {
        const device = await registered(tenantId, `d${n++}`, region);
        await store.recordVerified(device, { takenAt: new Date(now.getTime() - age), name: 'p' }, now);
      }
      await registered(tenantId, `d${n++}`, region);
    }
    // No licence left: counted as unlicensed.
    await registered(tenantId, `d${n++}`, 'northeurope', 0);

    const policy = { rpoMs: rpo, enabled: true };
    const [histogram] = await store.histograms(tenantId);
    const whole = countStatuses(histogram!.buckets, policy, now);
    const west = await store.statusCounts(
      tenantId,
      { policyId: 'p1', primaryRegion: 'westeurope' },
      policy,
      now,
    );
    const north = await store.statusCounts(
      tenantId,
      { policyId: 'p1', primaryRegion: 'northeurope' },
      policy,
      now,
    );

    expect(west).toEqual({
      unlicensed: 0,
      disabled: 0,
      'not-yet-protected': 1,
      protected: 2,
      'at-risk': 3,
      breached: 3,
    });
    expect(north).toEqual({ ...west, unlicensed: 1 });
    for (const status of complianceStatuses) expect(west[status] + north[status], status).toBe(whole[status]);
    // A region without devices, and a policy disabled: all its licensed devices are disabled.
    expect(
      await store.statusCounts(tenantId, { policyId: 'p1', primaryRegion: 'francecentral' }, policy, now),
    ).toEqual(Object.fromEntries(complianceStatuses.map((s) => [s, 0])));
    expect(
      await store.statusCounts(
        tenantId,
        { policyId: 'p1', primaryRegion: 'northeurope' },
        { rpoMs: rpo, enabled: false },
        now,
      ),
    ).toMatchObject({ unlicensed: 1, disabled: ages.length + 1, protected: 0, breached: 0 });
  });
});

describe('a list sorted by last verified point', () => {
  it('pages never verified first, then oldest first, each device once, in a small page size', async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const expected: string[] = [];
    // Ids in an order unlike their ages, two never verified, two verified at the same time (the id decides).
    const plan: [string, number | undefined][] = [
      ['a', 5 * 60_000],
      ['b', undefined],
      ['c', 30 * hour],
      ['d', 2 * hour],
      ['e', 2 * hour],
      ['f', undefined],
      ['g', 1_000],
    ];
    for (const [id, age] of plan) {
      const device = await registered(tenantId, id, 'westeurope');
      if (age !== undefined)
        await store.recordVerified(device, { takenAt: new Date(now.getTime() - age), name: 'p' }, now);
    }
    expected.push('b', 'f', 'c', 'd', 'e', 'a', 'g');
    const seen: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.list(
        tenantId,
        { sort: 'lastVerifiedAt' },
        continuationToken ? { pageSize: 3, continuationToken } : { pageSize: 3 },
        now,
      );
      seen.push(...page.items.map((d) => d.id));
      continuationToken = page.continuationToken;
      pages += 1;
    } while (continuationToken);
    expect(seen).toEqual(expected);
    expect(pages).toBe(3);
    const byId = await store.list(tenantId, {}, { pageSize: 10 }, now);
    expect(byId.items.map((d) => d.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});
