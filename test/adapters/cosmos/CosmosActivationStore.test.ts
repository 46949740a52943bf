import type { Container, CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosActivationStore } from '../../../src/adapters/cosmos/CosmosActivationStore';
import { Containers } from '../../../src/adapters/cosmos/containers';
import type { Activation, ActivationState } from '../../../src/domain/activation';
import { ConflictError, RuleViolationError } from '../../../src/domain/errors';
import { recoveryTaskId, type RecoveryState, type RecoveryTask } from '../../../src/domain/recoveryTask';
import { stableHash32 } from '../../../src/domain/rpo';
import { openCosmosTestDatabase } from '../../support/cosmosTestDatabase';

let client: CosmosClient;
let activations: Container;
let recoveries: Container;
let store: CosmosActivationStore;

beforeAll(async () => {
  const opened = await openCosmosTestDatabase('activation-store');
  client = opened.client;
  activations = opened.database.container(Containers.activations.id);
  recoveries = opened.database.container(Containers.recoveries.id);
  store = new CosmosActivationStore(activations, recoveries, 'westeurope');
});
afterAll(() => client.dispose());

function newActivation(overrides: Partial<Activation> = {}): Activation {
  return {
    id: `act-${randomUUID()}`,
    tenantId: `tenant-${randomUUID()}`,
    idempotencyKey: randomUUID(),
    requestHash: 'hash',
    scope: { kind: 'region', region: 'westeurope' },
    recoverFirst: [],
    waveDeadlineMinutes: 30,
    state: 'planning',
    requestedBy: 'admin@contoso.com',
    requestedAt: '2025-01-01T00:00:00.000Z',
    waves: [],
    owner: { region: 'westeurope', epoch: 1, leaseUntil: '2025-01-01T00:05:00.000Z' },
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function newTask(
  activationId: string,
  deviceId: string,
  overrides: Partial<RecoveryTask> = {},
): RecoveryTask {
  return {
    id: recoveryTaskId(activationId, deviceId),
    activationId,
    tenantId: 'tenant-1',
    deviceId,
    upn: `${deviceId}@contoso.com`,
    primaryRegion: 'westeurope',
    backupRegion: 'northeurope',
    priorityTier: 1,
    wave: 1,
    state: 'planned',
    attempt: 0,
    dispatch: 0,
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function devices(count: number, prefix = 'dev'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
}

/** Reads a task back (with its version), failing the test if it is missing. */
async function read(activationId: string, deviceId: string): Promise<RecoveryTask> {
  const task = await store.getTask(activationId, deviceId);
  expect(task).toBeDefined();
  return task!;
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += concurrency) {
    results.push(...(await Promise.all(items.slice(start, start + concurrency).map(work))));
  }
  return results;
}

describe('CosmosActivationStore: activations', () => {
  it('creates and reads an activation, its ETag as version and no storage fields', async () => {
    const activation = newActivation({ plannedAt: '2025-01-01T00:01:00.000Z' });
    const created = await store.create(activation);
    expect(created.version).toEqual(expect.any(String));
    expect(created).toEqual({ ...activation, version: created.version });

    const read = await store.get(activation.tenantId, activation.id);
    expect(read).toEqual(created);
    expect(Object.keys(read!).filter((key) => key.startsWith('_') || key === 'type')).toEqual([]);
    expect(await store.get(activation.tenantId, 'act-missing')).toBeUndefined();
    expect(await store.get('another-tenant', activation.id)).toBeUndefined();
  });

  it('refuses a second activation with the same id', async () => {
    const activation = newActivation();
    await store.create(activation);
    const second = store.create({ ...activation, requestedBy: 'someone-else@contoso.com' });
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toMatchObject({ code: 'activation-exists' });
    expect((await store.get(activation.tenantId, activation.id))?.requestedBy).toBe('admin@contoso.com');
  });

  it('replaces only from the current version', async () => {
    const created = await store.create(newActivation());
    const recovering = await store.replace(
      { ...created, state: 'recovering', plannedAt: '2025-01-01T00:02:00.000Z' },
      created.version!,
    );
    expect(recovering.state).toBe('recovering');
    expect(recovering.version).not.toBe(created.version);

    const stale = store.replace({ ...created, state: 'cancelled' }, created.version!);
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ code: 'precondition-failed' });
    expect(await store.get(created.tenantId, created.id)).toEqual(recovering);
  });

  it("lists a tenant's activations newest first, page by page", async () => {
    const tenantId = `tenant-${randomUUID()}`;
    const days = ['03', '01', '05', '02', '04'];
    for (const day of days) {
      await store.create(newActivation({ tenantId, requestedAt: `2025-01-${day}T00:00:00.000Z` }));
    }
    await store.create(newActivation({ requestedAt: '2025-01-09T00:00:00.000Z' }));

    const seen: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.list(tenantId, { pageSize: 2, continuationToken });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((a) => a.requestedAt.slice(8, 10)));
      expect(page.items.every((a) => a.tenantId === tenantId && a.version)).toBe(true);
      continuationToken = page.continuationToken;
      pages += 1;
    } while (continuationToken && pages < 10);
    expect(seen).toEqual(['05', '04', '03', '02', '01']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('refuses a continuation token that is not one', async () => {
    // Shaped enough to pass the HTTP layer's check; the emulator ignores tokens that are not JSON.
    const list = store.list(`tenant-${randomUUID()}`, { pageSize: 2, continuationToken: '{}' });
    await expect(list).rejects.toBeInstanceOf(RuleViolationError);
    await expect(list).rejects.toMatchObject({ code: 'invalid-continuation-token' });
  });

  it('lists the activations still needing a driver, across tenants', async () => {
    const states: ActivationState[] = [
      'planning',
      'recovering',
      'completed',
      'cancelled',
      'deactivating',
      'deactivated',
    ];
    const created = new Map<string, ActivationState>();
    for (const state of states) {
      for (let i = 0; i < 2; i += 1) {
        const activation = await store.create(newActivation({ state }));
        created.set(activation.id, state);
      }
    }
    const driven: Activation[] = [];
    for await (const activation of store.listDriven()) {
      if (created.has(activation.id)) driven.push(activation);
    }
    expect(driven.map((a) => a.state).sort()).toEqual([
      'deactivating',
      'deactivating',
      'planning',
      'planning',
      'recovering',
      'recovering',
    ]);
    expect(new Set(driven.map((a) => a.tenantId)).size).toBe(6);
    expect(driven.every((a) => a.version)).toBe(true);
  });
});

describe('CosmosActivationStore: adding tasks', () => {
  it('creates tasks spread over shards, each readable with its version', async () => {
    const activationId = `act-${randomUUID()}`;
    const tasks = devices(64).map((deviceId) => newTask(activationId, deviceId));
    await store.addTasks(tasks);

    const read = await store.getTask(activationId, 'dev-0007');
    expect(read).toEqual({ ...tasks[7], version: expect.any(String) });
    expect(Object.keys(read!).filter((key) => key.startsWith('_') || key === 'type')).toEqual([]);
    expect(await store.getTask(activationId, 'dev-missing')).toBeUndefined();

    const { resources: partitions } = await recoveries.items
      .query<string>({
        query: "SELECT VALUE c.partition FROM c WHERE c.type = 'task' AND c.activationId = @a",
        parameters: [{ name: '@a', value: activationId }],
      })
      .fetchAll();
    expect(partitions).toHaveLength(64);
    expect(new Set(partitions).size).toBeGreaterThan(10);
    expect(partitions).toContain(`${activationId}:${stableHash32('dev-0007') % 16}`);
  });

  it("increments a counter key the shard's counter does not have yet (patch incr creates it)", async () => {
    const activationId = `act-${randomUUID()}`;
    const single = new CosmosActivationStore(activations, recoveries, 'westeurope', { shards: 1 });
    await single.addTasks([
      newTask(activationId, 'dev-a', { wave: 3, state: 'queued' }),
      newTask(activationId, 'dev-b', { wave: 3, state: 'queued' }),
      newTask(activationId, 'dev-c', { wave: 0, state: 'skipped' }),
    ]);
    const { resource } = await recoveries
      .item('counter:westeurope', `${activationId}:0`)
      .read<{ counts: Record<string, number> }>();
    expect(resource?.counts).toEqual({ '3.queued': 2, '0.skipped': 1 });
  });

  it('is idempotent: the same tasks twice are counted once, a partial replay counts only the new', async () => {
    const activationId = `act-${randomUUID()}`;
    const first = devices(40).map((deviceId, i) => newTask(activationId, deviceId, { wave: i % 3 }));
    await store.addTasks(first);
    const counts = { 0: { planned: 14 }, 1: { planned: 13 }, 2: { planned: 13 } };
    expect(await store.counts(activationId)).toEqual(counts);

    await store.addTasks(first);
    expect(await store.counts(activationId)).toEqual(counts);

    // A replayed planning page: the first 40 exist already (one changed meanwhile), 10 are new.
    const moved = await store.moveTask(await read(activationId, 'dev-0000'), { state: 'queued' });
    expect(moved?.state).toBe('queued');
    const more = devices(50).map((deviceId, i) => newTask(activationId, deviceId, { wave: i % 3 }));
    await store.addTasks(more);
    expect(await store.counts(activationId)).toEqual({
      0: { planned: 16, queued: 1 },
      1: { planned: 17 },
      2: { planned: 16 },
    });
    expect((await read(activationId, 'dev-0000')).state).toBe('queued');
  });

  it('chunks a large shard into batches of at most 100 operations, replays included', async () => {
    const activationId = `act-${randomUUID()}`;
    const single = new CosmosActivationStore(activations, recoveries, 'westeurope', { shards: 1 });
    // More distinct wave/state keys than one patch takes (10), and more tasks than one batch.
    const states: RecoveryState[] = ['planned', 'skipped'];
    const tasks = devices(230).map((deviceId, i) =>
      newTask(activationId, deviceId, { wave: i % 11, state: states[i % 2]! }),
    );
    await single.addTasks(tasks.slice(0, 120));
    await single.addTasks(tasks);
    const counts = await single.counts(activationId);
    let total = 0;
    for (const byState of Object.values(counts)) {
      for (const count of Object.values(byState)) total += count ?? 0;
    }
    expect(total).toBe(230);
    expect(counts[0]).toEqual({ planned: 11, skipped: 10 });
    const page = await single.listTasks(activationId, {}, { pageSize: 1000 });
    expect(page.items).toHaveLength(230);
  });
});

describe('CosmosActivationStore: moving tasks', () => {
  it('moves a task and its counts across states and waves', async () => {
    const activationId = `act-${randomUUID()}`;
    await store.addTasks([
      newTask(activationId, 'dev-a', { wave: 0 }),
      newTask(activationId, 'dev-b', { wave: 0 }),
      newTask(activationId, 'dev-c', { wave: 2 }),
    ]);
    const queued = await store.moveTask(await read(activationId, 'dev-a'), {
      state: 'queued',
      dispatch: 1,
      dispatchedAt: '2025-01-01T00:10:00.000Z',
      updatedAt: '2025-01-01T00:10:00.000Z',
    });
    expect(queued).toMatchObject({ state: 'queued', dispatch: 1, updatedAt: '2025-01-01T00:10:00.000Z' });
    expect(await read(activationId, 'dev-a')).toEqual(queued);

    const recovered = await store.moveTask(queued!, {
      state: 'recovered',
      recoveredAt: '2025-01-01T00:20:00.000Z',
      temporaryDevice: { name: 'tmp-a', region: 'northeurope' },
    });
    expect(recovered).toMatchObject({ state: 'recovered', updatedAt: '2025-01-01T00:10:00.000Z' });
    await store.moveTask(await read(activationId, 'dev-c'), { state: 'cancelled' });
    // A task whose wave changes moves between waves too.
    await store.moveTask(await read(activationId, 'dev-b'), { state: 'queued', wave: 2 });

    expect(await store.counts(activationId)).toEqual({
      0: { recovered: 1 },
      2: { cancelled: 1, queued: 1 },
    });
  });

  it('refuses a move that is not allowed, without writing', async () => {
    const activationId = `act-${randomUUID()}`;
    await store.addTasks([newTask(activationId, 'dev-a')]);
    const planned = await read(activationId, 'dev-a');
    expect(await store.moveTask(planned, { state: 'recovered' })).toBeUndefined();
    expect(await store.moveTask(planned, { state: 'planned', attempt: 5 })).toBeUndefined();
    expect(await read(activationId, 'dev-a')).toEqual(planned);
    expect(await store.counts(activationId)).toEqual({ 1: { planned: 1 } });
  });

  it('records a same-state move (another attempt) without changing the counts', async () => {
    const activationId = `act-${randomUUID()}`;
    await store.addTasks([newTask(activationId, 'dev-a')]);
    const queued = await store.moveTask(await read(activationId, 'dev-a'), { state: 'queued' });
    const waiting = await store.moveTask(queued!, { state: 'waiting-for-capacity', attempt: 1 });
    const again = await store.moveTask(waiting!, {
      state: 'waiting-for-capacity',
      attempt: 2,
      reason: 'no quota',
    });
    expect(again).toMatchObject({ state: 'waiting-for-capacity', attempt: 2, reason: 'no quota' });
    expect(again!.version).not.toBe(waiting!.version);
    expect(await read(activationId, 'dev-a')).toEqual(again);
    expect(await store.counts(activationId)).toEqual({ 1: { 'waiting-for-capacity': 1 } });
  });

  it('returns undefined for a stale task, its counts left exact', async () => {
    const activationId = `act-${randomUUID()}`;
    await store.addTasks([newTask(activationId, 'dev-a')]);
    const planned = await read(activationId, 'dev-a');
    const queued = await store.moveTask(planned, { state: 'queued' });
    expect(queued).toBeDefined();

    // A duplicate message still holding the planned task.
    expect(await store.moveTask(planned, { state: 'queued' })).toBeUndefined();
    expect(await store.moveTask(planned, { state: 'cancelled' })).toBeUndefined();
    expect(await read(activationId, 'dev-a')).toEqual(queued);
    expect(await store.counts(activationId)).toEqual({ 1: { queued: 1 } });
  });

  it('lets exactly one of two racing moves of the same task win', async () => {
    const activationId = `act-${randomUUID()}`;
    await store.addTasks([newTask(activationId, 'dev-a', { state: 'queued' })]);
    const queued = await read(activationId, 'dev-a');
    const outcomes = await Promise.all([
      store.moveTask(queued, { state: 'recovered' }),
      store.moveTask(queued, { state: 'failed' }),
      store.moveTask(queued, { state: 'cancelled' }),
    ]);
    const winners = outcomes.filter((outcome) => outcome !== undefined);
    expect(winners).toHaveLength(1);
    expect(await store.counts(activationId)).toEqual({ 1: { [winners[0]!.state]: 1 } });
  });

  it('keeps counts exact under many concurrent moves over 16 shards', async () => {
    const activationId = `act-${randomUUID()}`;
    const ids = devices(200);
    await store.addTasks(ids.map((deviceId, i) => newTask(activationId, deviceId, { wave: i % 4 })));
    const queued = await inParallel(
      ids,
      32,
      async (deviceId) => await store.moveTask(await read(activationId, deviceId), { state: 'queued' }),
    );
    expect(queued.every((task) => task?.state === 'queued')).toBe(true);
    // Half recover, a quarter fail, the rest wait; every second waiting task waits again.
    const settled = await inParallel(queued, 32, async (task) => {
      const index = ids.indexOf(task!.deviceId);
      const state: RecoveryState =
        index % 4 < 2 ? 'recovered' : index % 4 === 2 ? 'failed' : 'waiting-for-capacity';
      const moved = await store.moveTask(task!, { state, attempt: 1 });
      return index % 8 === 3 ? await store.moveTask(moved!, { state, attempt: 2 }) : moved;
    });
    expect(settled.every((task) => task !== undefined)).toBe(true);

    expect(await store.counts(activationId)).toEqual({
      0: { recovered: 50 },
      1: { recovered: 50 },
      2: { failed: 50 },
      3: { 'waiting-for-capacity': 50 },
    });
    const { resources: counters } = await recoveries.items
      .query<{ partition: string }>({
        query: "SELECT * FROM c WHERE c.type = 'counter' AND c.activationId = @a",
        parameters: [{ name: '@a', value: activationId }],
      })
      .fetchAll();
    expect(new Set(counters.map((c) => c.partition)).size).toBe(16);
  });
});

describe('CosmosActivationStore: reading tasks', () => {
  const activationId = `act-${randomUUID()}`;
  const ids = devices(30);

  beforeAll(async () => {
    // Waves 1–3; in each wave, devices 0–4 (mod 10) queued, the rest planned.
    await store.addTasks(
      ids.map((deviceId, i) =>
        newTask(activationId, deviceId, { wave: (i % 3) + 1, state: i % 10 < 5 ? 'queued' : 'planned' }),
      ),
    );
    await store.addTasks([newTask(`act-${randomUUID()}`, 'dev-0000', { state: 'queued' })]);
  });

  it('finds tasks in the given states, up to the limit, in the wave if given', async () => {
    const queued = await store.tasksIn(activationId, ['queued'], 100);
    expect(queued.map((t) => t.deviceId).sort()).toEqual(ids.filter((_, i) => i % 10 < 5));
    expect(queued.every((t) => t.activationId === activationId && t.version)).toBe(true);

    const both = await store.tasksIn(activationId, ['queued', 'planned'], 100);
    expect(both).toHaveLength(30);

    const limited = await store.tasksIn(activationId, ['queued', 'planned'], 7);
    expect(limited).toHaveLength(7);

    const wave2 = await store.tasksIn(activationId, ['planned'], 100, { wave: 2 });
    expect(wave2.map((t) => t.deviceId).sort()).toEqual(ids.filter((_, i) => i % 3 === 1 && i % 10 >= 5));

    expect(await store.tasksIn(activationId, ['recovered'], 100)).toEqual([]);
    expect(await store.tasksIn(activationId, [], 100)).toEqual([]);
  });

  it('lists tasks by device id, page by page, filtered by state and wave', async () => {
    const all: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.listTasks(activationId, {}, { pageSize: 7, continuationToken });
      expect(page.items.length).toBeLessThanOrEqual(7);
      all.push(...page.items.map((t) => t.deviceId));
      continuationToken = page.continuationToken;
      pages += 1;
    } while (continuationToken && pages < 20);
    expect(all).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(5);

    const planned3: string[] = [];
    continuationToken = undefined;
    pages = 0;
    do {
      const page = await store.listTasks(
        activationId,
        { state: 'planned', wave: 3 },
        { pageSize: 2, continuationToken },
      );
      planned3.push(...page.items.map((t) => t.deviceId));
      continuationToken = page.continuationToken;
      pages += 1;
    } while (continuationToken && pages < 20);
    expect(planned3).toEqual(ids.filter((_, i) => (i % 3) + 1 === 3 && i % 10 >= 5));
  });

  it('refuses a continuation token that is not one when listing tasks', async () => {
    const list = store.listTasks(activationId, {}, { pageSize: 2, continuationToken: '{}' });
    await expect(list).rejects.toBeInstanceOf(RuleViolationError);
    await expect(list).rejects.toMatchObject({ code: 'invalid-continuation-token' });
  });
});

describe('CosmosActivationStore: counts and completion', () => {
  it('sums the counters of every shard and every writing region', async () => {
    const activationId = `act-${randomUUID()}`;
    const ids = devices(40);
    const westeurope = new CosmosActivationStore(activations, recoveries, 'westeurope');
    const northeurope = new CosmosActivationStore(activations, recoveries, 'northeurope');
    await westeurope.addTasks(ids.map((deviceId) => newTask(activationId, deviceId)));
    // The other region takes over: its counters go negative for what the first region counted.
    for (const deviceId of ids.slice(0, 25)) {
      await northeurope.moveTask(await read(activationId, deviceId), { state: 'queued' });
    }
    for (const deviceId of ids.slice(0, 10)) {
      await westeurope.moveTask(await read(activationId, deviceId), { state: 'provisioning' });
    }
    expect(await northeurope.counts(activationId)).toEqual({
      1: { planned: 15, queued: 15, provisioning: 10 },
    });

    const { resources: regions } = await recoveries.items
      .query<string>({
        query: "SELECT VALUE c.region FROM c WHERE c.type = 'counter' AND c.activationId = @a",
        parameters: [{ name: '@a', value: activationId }],
      })
      .fetchAll();
    expect(new Set(regions)).toEqual(new Set(['westeurope', 'northeurope']));
  });

  it('knows when the last task was recovered', async () => {
    const activationId = `act-${randomUUID()}`;
    await store.addTasks(devices(5).map((deviceId) => newTask(activationId, deviceId, { state: 'queued' })));
    expect(await store.lastRecoveredAt(activationId)).toBeUndefined();

    const times = ['2025-01-01T00:20:00.000Z', '2025-01-01T01:05:00.000Z', '2025-01-01T00:45:00.000Z'];
    for (const [i, recoveredAt] of times.entries()) {
      await store.moveTask(await read(activationId, `dev-000${i}`), { state: 'recovered', recoveredAt });
    }
    // Another activation recovering later does not count.
    const otherId = `act-${randomUUID()}`;
    await store.addTasks([newTask(otherId, 'dev-0000', { state: 'queued' })]);
    await store.moveTask(await read(otherId, 'dev-0000'), {
      state: 'recovered',
      recoveredAt: '2025-01-02T00:00:00.000Z',
    });

    expect(await store.lastRecoveredAt(activationId)).toBe('2025-01-01T01:05:00.000Z');
  });
});
