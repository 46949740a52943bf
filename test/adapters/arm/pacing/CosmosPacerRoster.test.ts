/**
 * The roster of pacers across processes (src/adapters/arm/pacing/CosmosPacerRoster.ts) against the
 * Cosmos emulator, on real time with its periods shortened: members, as separate processes would
 * be, are separate roster objects with their own ids sharing one container.
 */
import type { Container, CosmosClient, Database } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containers } from '../../../../src/adapters/cosmos/containers';
import {
  CosmosPacerRoster,
  type CosmosRosterTimings,
} from '../../../../src/adapters/arm/pacing/CosmosPacerRoster';
import { openCosmosTestDatabase } from '../../../support/cosmosTestDatabase';
import { eventually } from '../../../support/eventually';
import { testRosterTimings } from './rosterTimings';

const longWaitMs =
  testRosterTimings.viewValidForInMs + testRosterTimings.clockSkewInMs + testRosterTimings.replicationLagInMs;

let cosmos: CosmosClient;
let database: Database;
let container: Container;
const rosters: CosmosPacerRoster[] = [];

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('pacer-roster');
  cosmos = opened.client;
  database = opened.database;
  container = database.container(Containers.copySlots.id);
});
afterAll(async () => {
  await Promise.all(rosters.map((r) => r.close()));
  cosmos?.dispose();
});

let regions = 0;
/** Members of a fresh principal (a region of its own), each as its own process would hold it. */
function principal() {
  regions += 1;
  const region = `region-${regions}`;
  return (timings: Partial<CosmosRosterTimings> = {}, on: Container = container) => {
    const roster = new CosmosPacerRoster(on, { region, timings: { ...testRosterTimings, ...timings } });
    rosters.push(roster);
    return roster;
  };
}

const until = async (check: () => boolean, timeoutMs = 10_000) =>
  await eventually(
    async () => check(),
    (ok) => ok,
    { timeoutMs, intervalMs: 20 },
  );

describe('CosmosPacerRoster', () => {
  it('admits a member alone on a subscription a replication lag after its heartbeat, not after the long wait', async () => {
    const member = principal();
    const a = member();
    const joined = Date.now();
    a.busy('sub-1', true);
    expect(a.view('sub-1').admitted).toBe(false);
    await until(() => a.view('sub-1').admitted);
    expect(Date.now() - joined).toBeLessThan(longWaitMs);
    expect(a.view('sub-1')).toMatchObject({ admitted: true, members: 1 });
    // Another subscription is another scope: not joined, not admitted.
    expect(a.view('sub-2').admitted).toBe(false);
  });

  it('admits a member joining where others call only once they all count it; they share from their next heartbeat', async () => {
    const member = principal();
    const a = member();
    a.busy('sub-1', true);
    await until(() => a.view('sub-1').admitted);
    const b = member();
    const joined = Date.now();
    b.busy('sub-1', true);
    // B finds A at once, A finds B at its next heartbeat, and only then may B spend.
    await until(() => b.view('sub-1').members === 2);
    await until(() => a.view('sub-1').members === 2);
    expect(b.view('sub-1').admitted).toBe(false);
    await until(() => b.view('sub-1').admitted);
    expect(Date.now() - joined).toBeGreaterThanOrEqual(longWaitMs);
    expect(a.view('sub-1')).toMatchObject({ admitted: true, members: 2 });
  });

  it('lets a member idle past the linger leave: the others share with one fewer; back, it is admitted afresh', async () => {
    const member = principal();
    const a = member();
    const b = member();
    a.busy('sub-1', true);
    b.busy('sub-1', true);
    await until(() => a.view('sub-1').admitted && b.view('sub-1').admitted && a.view('sub-1').members === 2);
    const epoch = b.view('sub-1').epoch;
    b.busy('sub-1', false);
    await until(() => a.view('sub-1').members === 1);
    expect(b.view('sub-1').admitted).toBe(false);
    b.busy('sub-1', true);
    await until(() => b.view('sub-1').admitted);
    expect(b.view('sub-1').epoch).not.toBe(epoch);
  });

  it('drops a member that stopped without leaving once its heartbeat is older than the expiry, and one that closed at its next read', async () => {
    const region = `region-crashed-${Date.now()}`;
    const a = new CosmosPacerRoster(container, { region, timings: testRosterTimings });
    const closing = new CosmosPacerRoster(container, { region, timings: testRosterTimings });
    rosters.push(a, closing);
    // A process that died after its last heartbeat: its document, never written again.
    await container.items.upsert({
      id: 'crashed',
      partition: `armPacers|${region}`,
      type: 'armPacer',
      region,
      scopes: ['sub-1'],
      heartbeatAtMs: Date.now(),
      ttl: 60,
    });
    const crashedAt = Date.now();
    a.busy('sub-1', true);
    closing.busy('sub-1', true);
    await until(() => a.view('sub-1').members === 3);
    await closing.close();
    expect(closing.view('sub-1').admitted).toBe(false);
    await until(() => a.view('sub-1').members === 2);
    await until(() => a.view('sub-1').members === 1, 10_000);
    // Counted until its heartbeat is older than the expiry (and the skew allowed), not sooner.
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(testRosterTimings.memberExpiresAfterInMs);
  });

  it('stops a member whose heartbeats fail once its last one is older than the validity, and joins it again when they succeed', async () => {
    // A container of its own, deleted under the member and made again.
    const own = await database.containers.createIfNotExists({
      id: 'roster-outage',
      partitionKey: { paths: [Containers.copySlots.partitionKeyPath] },
      defaultTtl: -1,
    });
    const member = principal();
    const a = member({}, own.container);
    a.busy('sub-1', true);
    await until(() => a.view('sub-1').admitted);
    const epoch = a.view('sub-1').epoch;
    await own.container.delete();
    const failedFrom = Date.now();
    await until(() => !a.view('sub-1').admitted);
    expect(Date.now() - failedFrom).toBeLessThanOrEqual(testRosterTimings.viewValidForInMs + 1_000);
    await database.containers.createIfNotExists({
      id: 'roster-outage',
      partitionKey: { paths: [Containers.copySlots.partitionKeyPath] },
      defaultTtl: -1,
    });
    await until(() => a.view('sub-1').admitted, 20_000);
    expect(a.view('sub-1').epoch).not.toBe(epoch);
  });
});
