/**
 * The timers' queries, judged by their shape: every query the restore-point timer (due devices,
 * RPO announcements, histogram compaction), the adoption timer and the copy-slot timer send to Cosmos DB is captured
 * from the real SDK while they run against the emulator, and each must filter and order only on
 * indexed paths, never compare a field with another field (no index serves that: every document
 * would be read), use a composite index where it filters on several fields or sorts after a filter,
 * and span partitions only where the allow-list below says why. Also: containers.ts, the emulator's
 * containers and the compiled Bicep declare one indexing policy.
 */
import { Items, type FeedOptions, type SqlQuerySpec } from '@azure/cosmos';
import { QueueServiceClient } from '@azure/storage-queue';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCosmosClient } from '../../../src/adapters/cosmos/createCosmosClient';
import { filterQuery, regionCountQuery } from '../../../src/adapters/cosmos/deviceQueries';
import {
  Containers,
  Indexing,
  indexingPolicyOf,
  type ContainerId,
} from '../../../src/adapters/cosmos/containers';
import { installedStores, installServices, services } from '../../../src/compositionRoot';
import type { OrchestrationClient } from '../../../src/ports/OrchestrationClient';
import { QueueNames } from '../../../src/queueNames';
import { ofType, deployed, describeCompiled } from '../../infra/deployed';
import { createDisk, regionBlobService } from '../../support/disks';
import { call } from '../../support/http';
import { diskScope, provisionTenant } from '../../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../../support/testEnvironment';

const hour = 3_600_000;

/** A query as the SDK was asked to run it. */
interface Sent {
  container: string;
  sql: string;
  partitionKey: unknown;
}

/**
 * Timer queries that span partitions, and why each may. A query not listed here that spans
 * partitions fails the test.
 */
const crossPartitionAllowed: { container: ContainerId; matches: RegExp; why: string }[] = [
  {
    container: 'devices',
    matches: /c\.scheduled = true AND c\.nextDueAtMs <= @now/,
    why:
      'The schedule spans every tenant. The composite index (type, scheduled, nextDueAtMs) serves ' +
      'filter and sort, so each physical partition answers from its index with what is due: a tick ' +
      'costs a few RU per physical partition plus the due devices, not the fleet.',
  },
  {
    container: 'devices',
    matches: /c\.scheduled = true AND c\.announceAtMs <= @now/,
    why:
      'RPO transitions can fall due in any tenant. The composite index (type, scheduled, ' +
      'announceAtMs) returns only devices whose transition has come.',
  },
  {
    container: 'devices',
    matches: /c\.type = 'histogram' AND c\.region = @region AND c\.compactAtMs <= @now/,
    why:
      "This region's histogram shards of every tenant. The composite index (type, region, " +
      'compactAtMs) returns only shards due for compaction, each at most once an hour.',
  },
  {
    container: 'activations',
    matches: /c\.type = 'activation' AND c\.state IN \(/,
    why:
      'An orphaned activation can be any tenant’s, and the timer runs every 10 s so one is driven ' +
      'again within 70 s. Equality filters on indexed paths return only activations in flight (a ' +
      'handful, in a container of small documents with few physical partitions).',
  },
  {
    container: 'copySlots',
    matches: /c\.type = 'copySlotSignal' AND c\.waiting = true/,
    why:
      'A copy may wait in any (subscription, target region) partition, and the timer runs every 5 s. ' +
      'Equality filters on indexed paths return only the raised signals, one small document per key ' +
      'with a copy waiting: a tick with nothing waiting reads nothing; each key found is then served ' +
      'by queries inside its own partition.',
  },
];

// ---- the shape of a query ----

interface Shape {
  equality: string[];
  range: string[];
  orderBy: { path: string; order: 'ascending' | 'descending' }[];
  problems: string[];
}

const toPath = (ref: string) => `/${ref.replace(/^c\./, '').replace(/\./g, '/')}`;
const refsIn = (text: string) => [...text.matchAll(/\bc\.[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g)].map((m) => m[0]);

/** Splits at a keyword outside parentheses and string literals. */
function splitTopLevel(text: string, keyword: 'AND' | 'OR'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (
      depth === 0 &&
      new RegExp(`^\\s${keyword}\\s`, 'i').test(text.slice(i, i + keyword.length + 2))
    ) {
      parts.push(text.slice(start, i).trim());
      start = i + keyword.length + 2;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

export function shapeOf(sql: string): Shape {
  const shape: Shape = { equality: [], range: [], orderBy: [], problems: [] };
  const match = /\bWHERE\s+([\s\S]+?)(?:\s+ORDER\s+BY\s+([\s\S]+))?$/i.exec(sql);
  const orderText = match?.[2] ?? /\bORDER\s+BY\s+([\s\S]+)$/i.exec(sql)?.[1];
  for (const term of orderText ? orderText.split(',') : []) {
    const [ref, direction] = term.trim().split(/\s+/);
    shape.orderBy.push({
      path: toPath(ref!),
      order: direction?.toUpperCase() === 'DESC' ? 'descending' : 'ascending',
    });
  }
  for (const conjunct of match ? splitTopLevel(match[1]!, 'AND') : []) {
    const atom = conjunct.replace(/^\((.*)\)$/s, '$1').trim();
    if (splitTopLevel(atom, 'OR').length > 1) {
      shape.problems.push(`a disjunction no single index range serves: ${atom}`);
      continue;
    }
    const refs = refsIn(atom);
    if (new Set(refs).size > 1) {
      shape.problems.push(`compares a field with another field: ${atom}`);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^c\.([\w.]+)\s*=\s*([^c][\s\S]*)$/.exec(atom))) shape.equality.push(toPath(`c.${m[1]}`));
    else if ((m = /^c\.([\w.]+)\s+IN\s*\(/i.exec(atom))) shape.equality.push(toPath(`c.${m[1]}`));
    else if ((m = /^c\.([\w.]+)\s*(<=|>=|<|>)\s*([^c][\s\S]*)$/.exec(atom))) {
      if (/[-+*/]\s*c\./.test(m[3]!)) shape.problems.push(`compares a field with another field: ${atom}`);
      else shape.range.push(toPath(`c.${m[1]}`));
    } else shape.problems.push(`a condition no index serves as written: ${atom}`);
  }
  return shape;
}

/** What is wrong with the query against the container's declared indexing; empty when nothing. */
export function indexProblems(container: ContainerId, sql: string, partitionKeyPath?: string): string[] {
  const shape = shapeOf(sql);
  const problems = [...shape.problems];
  const { excludedPaths, compositeIndexes } = Indexing[container];
  const paths = [...shape.equality, ...shape.range, ...shape.orderBy.map((o) => o.path)];
  for (const path of paths) {
    for (const excluded of excludedPaths) {
      const prefix = excluded.replace(/\/(\*|\?)$/, '');
      if (path === prefix || path.startsWith(`${prefix}/`)) problems.push(`${path} is not indexed`);
    }
  }
  // The partition key of a single-partition query is served by routing, not by an index.
  const equality = shape.equality.filter((p) => p !== partitionKeyPath);
  if (shape.range.length > 1) problems.push(`ranges on several fields: ${shape.range.join(', ')}`);
  const matchesOrder = (index: readonly { path: string; order: string }[]) =>
    index.length === shape.orderBy.length &&
    (index.every((p, i) => p.path === shape.orderBy[i]!.path && p.order === shape.orderBy[i]!.order) ||
      index.every((p, i) => p.path === shape.orderBy[i]!.path && p.order !== shape.orderBy[i]!.order));
  if (shape.orderBy.length > 0) {
    const filtered = equality.length + shape.range.length > 0;
    if (shape.orderBy.length > 1 || filtered) {
      if (!compositeIndexes.some(matchesOrder)) problems.push('no composite index matches its ORDER BY');
      const leading = shape.orderBy.slice(0, equality.length).map((o) => o.path);
      if ([...leading].sort().join() !== [...equality].sort().join())
        problems.push('its ORDER BY does not lead with the fields it filters on by equality');
      const range = shape.range[0];
      if (range && shape.orderBy[equality.length]?.path !== range)
        problems.push(`its ORDER BY does not follow the equality fields with the range field ${range}`);
    }
  } else if (shape.range.length > 0 && equality.length > 0) {
    // Equality filters alone are intersected from the range indexes; a range after them is what
    // needs a composite index, else it is read across every value of the equality fields.
    const served = compositeIndexes.some(
      (index) =>
        index.length >= equality.length + shape.range.length &&
        [...index.slice(0, equality.length).map((p) => p.path)].sort().join() ===
          [...equality].sort().join() &&
        index[equality.length]?.path === shape.range[0],
    );
    if (!served)
      problems.push('filters on several fields with no composite index (equality fields, then the range)');
  }
  return problems;
}

// ---- the timers, driven ----

describe('the queries of the timers', () => {
  let env: TestEnvironment;
  const sent: Sent[] = [];
  const clock = { time: Date.parse('2026-03-02T00:00:00Z'), now: () => new Date(clock.time) };
  const tenants: string[] = [randomUUID(), randomUUID()];
  /** Each tenant's own disk container: disk scopes of two tenants never overlap. */
  const diskContainers = tenants.map(() => `shape-${randomBytes(6).toString('hex')}`);
  let indexingPolicy: unknown;

  async function register(tenantId: string, token: string, ids: string[]): Promise<void> {
    const diskContainer = diskContainers[tenants.indexOf(tenantId)]!;
    const primary = regionBlobService(env.settings, 'westeurope');
    for (const id of ids) {
      await createDisk(primary, diskContainer, `${tenantId}-${id}.vhd`);
      const response = await call(`${env.baseUrl}/tenants/${tenantId}/devices/${id}`, {
        method: 'PUT',
        token,
        json: {
          upn: `${id}@contoso.test`,
          primaryRegion: 'westeurope',
          disk: { container: diskContainer, blob: `${tenantId}-${id}.vhd` },
          policyId: 'hourly',
          priorityTier: 2,
        },
      });
      expect(response.status, response.text).toBeLessThan(300);
    }
  }

  beforeAll(async () => {
    env = await startTestEnvironment();
    installServices({ clock, events: { emit: () => undefined } });
    for (const [i, tenantId] of tenants.entries()) {
      const admin = await env.token(tenantId, ['DR.Admin']);
      await provisionTenant(env, tenantId, { licences: 10, diskScopes: [diskScope(diskContainers[i]!)] });
      const policy = await call(`${env.baseUrl}/tenants/${tenantId}/policies/hourly`, {
        method: 'PUT',
        token: admin,
        json: { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 },
      });
      expect(policy.status, policy.text).toBeLessThan(300);
      await register(tenantId, admin, ['dev-a', 'dev-b', 'dev-c']);
      // Verified points of several ages, so announcements and compaction have work to do.
      const devices = installedStores().devices;
      for (const [id, age] of [
        ['dev-a', 30 * hour],
        ['dev-b', 90 * 60_000],
        ['dev-c', 10 * 60_000],
      ] as const) {
        const device = (await devices.get(tenantId, id))!;
        const takenAt = new Date(clock.time - age);
        await devices.recordVerified(device, { takenAt, name: `point-${id}` }, clock.now());
      }
    }
    // A device as an earlier version wrote it, without the timers' field.
    const cosmos = createCosmosClient(services().config.cosmos.connection);
    const container = cosmos.database(services().config.cosmos.database).container(Containers.devices.id);
    const { resource } = await container.item('dev-a', tenants[0]).read<Record<string, unknown>>();
    const { announceAtMs: _a, _etag, _rid, _self, _ts, _attachments, ...legacy } = resource!;
    // Its restore point due now: the scheduler reads it, and gives it the fields.
    const due = new Date(clock.time - 60_000);
    await container.items.upsert({
      ...legacy,
      id: 'dev-legacy',
      nextDueAt: due.toISOString(),
      nextDueAtMs: due.getTime(),
    });
    indexingPolicy = (await container.read()).resource?.indexingPolicy;
    cosmos.dispose();

    // Called with the Items it was called on: the spy passes `this` through.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = Items.prototype.query;
    vi.spyOn(Items.prototype, 'query').mockImplementation(function (
      this: Items,
      query: string | SqlQuerySpec,
      options?: FeedOptions,
    ) {
      sent.push({
        container: this.container.id,
        sql: typeof query === 'string' ? query : query.query,
        partitionKey: options?.partitionKey,
      });
      return original.call(this, query, options);
    });
    // Two ticks of the restore-point timer (the first also gives the legacy device its fields)
    // and one of the adoption timer.
    await services().scheduler.run(clock.now());
    clock.time += 5 * 60_000;
    await services().scheduler.run(clock.now());
    await services().adopter.adopt({} as OrchestrationClient);
    // The copy-slot timer with copies waiting (its own queries: the signals, then a key's holders
    // and oldest waiting copies), and once more with nothing left waiting.
    const copySlots = installedStores().copySlots;
    const key = { subscriptionId: randomUUID(), targetRegion: 'northeurope' };
    for (const id of ['copy-a', 'copy-b']) await copySlots.request(key, id);
    await services().copySlotScheduler.run();
    await copySlots.release(key, 'copy-a');
    await copySlots.request(key, 'copy-c');
    await services().copySlotScheduler.run();
    await services().copySlotScheduler.run();
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    // What the ticks sent for the due devices: no worker here takes it, and no later file should.
    await QueueServiceClient.fromConnectionString(env.settings['AzureWebJobsStorage']!)
      .getQueueClient(QueueNames.restorePoints)
      .clearMessages()
      .catch(() => undefined);
    await env?.close();
  });

  it('run on containers created with the indexing policy containers.ts declares', () => {
    expect(indexingPolicy).toMatchObject(indexingPolicyOf('devices'));
  });

  it('are captured: the due devices, the announcements, the compaction, the adoption and the copy slots', () => {
    const sqls = sent.map((s) => s.sql).join('\n');
    expect(sqls).toMatch(/c\.type = 'copySlotSignal'/);
    expect(sqls).toMatch(/c\.state = 'waiting' ORDER BY/);
    expect(sqls).toMatch(/c\.id IN \(/);
    expect(sqls).toMatch(/c\.nextDueAtMs <= @now/);
    expect(sqls).toMatch(/c\.announceAtMs <= @now/);
    expect(sqls).toMatch(/c\.compactAtMs <= @now/);
    expect(sqls).toMatch(/c\.type = 'activation'/);
  });

  it('filter and order only on indexed paths, through a composite index where several are used, comparing no field with another', () => {
    expect(sent.length).toBeGreaterThan(0);
    for (const { container, sql, partitionKey } of sent) {
      const pk =
        partitionKey === undefined ? undefined : Containers[container as ContainerId].partitionKeyPath;
      expect(indexProblems(container as ContainerId, sql, pk), sql).toEqual([]);
    }
  });

  it('span partitions only where the allow-list says why', () => {
    for (const { container, sql, partitionKey } of sent) {
      if (partitionKey !== undefined) continue;
      const allowed = crossPartitionAllowed.find((a) => a.container === container && a.matches.test(sql));
      expect(allowed, `${container}: ${sql} spans partitions with no reason given`).toBeDefined();
      expect(allowed!.why.length).toBeGreaterThan(40);
    }
  });

  it('announced the RPO transitions from the indexed time, the legacy device included', async () => {
    const devices = installedStores().devices;
    for (const tenantId of tenants) {
      expect((await devices.get(tenantId, 'dev-a'))?.announced).toBe('breached');
      expect((await devices.get(tenantId, 'dev-b'))?.announced).toBe('at-risk');
      expect((await devices.get(tenantId, 'dev-c'))?.announced).toBe('protected');
    }
    expect((await devices.get(tenants[0]!, 'dev-legacy'))?.announced).toBe('breached');
  });
});

describe('the shape check', () => {
  it('refuses the field-to-field filter the announcements used before, and a sort no composite index serves', () => {
    const before =
      "SELECT TOP 500 * FROM c WHERE c.type = 'device' AND c.scheduled = true AND NOT IS_NULL(c.lastVerifiedAtMs) AND (" +
      "(c.announced = 'protected' AND c.lastVerifiedAtMs < @now - c.rpoMs) OR " +
      "(c.announced != 'breached' AND c.lastVerifiedAtMs < @now - 2 * c.rpoMs))";
    expect(indexProblems('devices', before).length).toBeGreaterThan(0);
    expect(indexProblems('devices', 'SELECT * FROM c WHERE c.a < @now - c.b')).toContain(
      'compares a field with another field: c.a < @now - c.b',
    );
    expect(
      indexProblems(
        'devices',
        "SELECT * FROM c WHERE c.type = 'device' AND c.scheduled = true AND c.nextDueAtMs <= @now ORDER BY c.nextDueAtMs",
      ),
    ).toContain('its ORDER BY does not lead with the fields it filters on by equality');
    expect(
      indexProblems('devices', "SELECT * FROM c WHERE c.type = 'device' AND c.updatedAt <= @now"),
    ).toContain('filters on several fields with no composite index (equality fields, then the range)');
    expect(
      indexProblems('devices', "SELECT * FROM c WHERE c.type = 'histogram' AND c.buckets.old > 0"),
    ).toContain('/buckets/old is not indexed');
  });

  it('finds an index for the compliance counts per primary region and the list sorted by last verified point', () => {
    const tenant = Containers.devices.partitionKeyPath;
    const of = { policyId: 'p', primaryRegion: 'westeurope' };
    for (const spec of [
      regionCountQuery('t', of),
      regionCountQuery('t', of, false),
      regionCountQuery('t', of, true, 'never'),
      regionCountQuery('t', of, true, { sinceMs: 0 }),
    ])
      expect(indexProblems('devices', spec.query, tenant), spec.query).toEqual([]);
    const sorted = filterQuery('t', { sort: 'lastVerifiedAt' }, new Date()).query;
    expect(indexProblems('devices', sorted, tenant), sorted).toEqual([]);
  });
});

describeCompiled('the indexing policy in infra/', () => {
  it('is what src/adapters/cosmos/containers.ts declares, container by container', () => {
    const containers = ofType(deployed(), 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    expect(containers.map((c) => c.name.split('/').pop()).sort()).toEqual(
      Object.values(Containers)
        .map((c) => c.id)
        .sort(),
    );
    for (const container of containers) {
      const id = container.name.split('/').pop() as ContainerId;
      const resource = container.properties['resource'] as { indexingPolicy: unknown };
      expect(resource.indexingPolicy, id).toEqual(indexingPolicyOf(id));
    }
  });
});
