/**
 * Activations and their recovery tasks in Cosmos DB.
 * - `activations`, partitioned by tenant: one document an activation, its ETag the version.
 * - `recoveries`, partitioned by `{activationId}:{shard}`: a task's shard is fixed by its device id,
 *   so the 50,000 tasks of a large activation never share one logical partition (20 GB, and the
 *   throughput of one physical partition). Each shard also holds one counter document per writing
 *   control-plane region, `counter:{region}`, with a count per `{wave}.{state}`: every task write
 *   and its counter move go in one transactional batch, so counts are exact and read cheaply. A
 *   region patches only its own counter (multi-region writes would lose increments to
 *   last-writer-wins); counts of one key may be spread over regions, even negative in one, so only
 *   sums mean anything.
 */
import type { Container, JSONObject, OperationInput, SqlParameter } from '@azure/cosmos';
import type { Activation, ActivationState } from '../../domain/activation';
import { ConflictError } from '../../domain/errors';
import {
  canMove,
  recoveryTaskId,
  type RecoveryState,
  type RecoveryTask,
  type WaveCounts,
} from '../../domain/recoveryTask';
import { stableHash32 } from '../../domain/rpo';
import type { ActivationStore, TaskFilter, TasksInOptions } from '../../ports/ActivationStore';
import type { Page, PageRequest } from '../../ports/Page';
import { patchOperation, runBatch } from './cosmosBatch';
import { fetchPage } from './fetchPage';
import { statusOf } from './statusOf';

/** Fields Cosmos DB adds to every document; none of them belongs to the domain. */
interface SystemFields {
  _etag?: string;
  _rid?: string;
  _ts?: number;
  _self?: string;
  _attachments?: string;
}

interface ActivationDocument extends Omit<Activation, 'version'>, SystemFields {
  type: 'activation';
}

interface TaskDocument extends Omit<RecoveryTask, 'version'>, SystemFields {
  type: 'task';
  partition: string;
  /** Beside the ISO time, for the MAX query at completion. */
  recoveredAtMs?: number;
}

interface CounterDocument {
  id: string;
  type: 'counter';
  activationId: string;
  partition: string;
  region: string;
  /** Tasks per `{wave}.{state}`, as moved by this region. */
  counts: Record<string, number>;
}

const defaultShards = 16;
/** Tasks created per batch: with their counter patches (≤ 10 increments each) well under Cosmos DB's 100. */
const tasksPerBatch = 50;
/** Cosmos DB accepts at most 10 operations in one patch. */
const incrementsPerPatch = 10;
const drivenStates = "('planning', 'recovering', 'deactivating')";
/** Activations that still hold their devices (and maybe a region's outage): not deactivating or deactivated. */
const holdingStates: readonly ActivationState[] = ['planning', 'recovering', 'completed', 'cancelled'];

export class CosmosActivationStore implements ActivationStore {
  private readonly shards: number;
  private readonly ensuredCounters = new Set<string>();

  constructor(
    private readonly activations: Container,
    private readonly recoveries: Container,
    /** The control-plane region this process writes from: it owns that region's counters. */
    private readonly region: string,
    options: { shards?: number } = {},
  ) {
    this.shards = options.shards ?? defaultShards;
  }

  async create(activation: Activation): Promise<Activation> {
    try {
      const { resource } = await this.activations.items.create(toActivationDocument(activation));
      return toActivation(resource!);
    } catch (err) {
      if (statusOf(err) === 409)
        throw new ConflictError('activation-exists', `Activation ${activation.id} already exists`);
      throw err;
    }
  }

  async get(tenantId: string, id: string): Promise<Activation | undefined> {
    const { resource } = await this.activations.item(id, tenantId).read<ActivationDocument>();
    return resource?.type === 'activation' ? toActivation(resource) : undefined;
  }

  async replace(activation: Activation, ifVersion: string): Promise<Activation> {
    try {
      const { resource } = await this.activations
        .item(activation.id, activation.tenantId)
        .replace<ActivationDocument>(toActivationDocument(activation), {
          accessCondition: { type: 'IfMatch', condition: ifVersion },
        });
      return toActivation(resource!);
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) {
        throw new ConflictError(
          'precondition-failed',
          `Activation ${activation.id} was changed by someone else; read it again`,
        );
      }
      throw err;
    }
  }

  async *listDriven(): AsyncIterable<Activation> {
    const query = this.activations.items.query<ActivationDocument>(
      `SELECT * FROM c WHERE c.type = 'activation' AND c.state IN ${drivenStates}`,
      { maxItemCount: 100 },
    );
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      for (const document of resources) yield toActivation(document);
    }
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Activation>> {
    // The tenant named in the query too: the embedded emulator does not scope by partition key.
    const spec = {
      query:
        "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'activation' ORDER BY c.requestedAt DESC",
      parameters: [{ name: '@tenant', value: tenantId }],
    };
    return await fetchPage(this.activations, spec, page, toActivation, tenantId);
  }

  async listHolding(tenantId: string, limit: number): Promise<Activation[]> {
    const { resources } = await this.activations.items
      .query<ActivationDocument>(
        {
          query:
            "SELECT TOP @limit * FROM c WHERE c.tenantId = @tenant AND c.type = 'activation' AND ARRAY_CONTAINS(@states, c.state) ORDER BY c.requestedAt DESC",
          parameters: [
            { name: '@tenant', value: tenantId },
            { name: '@states', value: [...holdingStates] },
            { name: '@limit', value: Math.max(1, Math.floor(limit)) },
          ],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map(toActivation);
  }

  async addTasks(tasks: readonly RecoveryTask[]): Promise<void> {
    const byPartition = new Map<string, RecoveryTask[]>();
    for (const task of tasks) {
      const partition = this.partitionOf(task.activationId, task.deviceId);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), task]);
    }
    await Promise.all(
      [...byPartition].map(async ([partition, inPartition]) => {
        await this.ensureCounter(inPartition[0]!.activationId, partition);
        for (let start = 0; start < inPartition.length; start += tasksPerBatch) {
          await this.createTasks(partition, inPartition.slice(start, start + tasksPerBatch));
        }
      }),
    );
  }

  async getTask(activationId: string, deviceId: string): Promise<RecoveryTask | undefined> {
    const { resource } = await this.recoveries
      .item(recoveryTaskId(activationId, deviceId), this.partitionOf(activationId, deviceId))
      .read<TaskDocument>();
    return resource?.type === 'task' ? toTask(resource) : undefined;
  }

  async moveTask(
    task: RecoveryTask,
    next: Partial<RecoveryTask> & Pick<RecoveryTask, 'state'>,
  ): Promise<RecoveryTask | undefined> {
    if (!canMove(task.state, next.state)) return undefined;
    if (!task.version) throw new TypeError(`Task ${task.id} was not read from the store: it has no version`);
    const partition = this.partitionOf(task.activationId, task.deviceId);
    const moved: RecoveryTask = {
      ...task,
      ...next,
      // What places the document stays as it was.
      id: task.id,
      activationId: task.activationId,
      deviceId: task.deviceId,
      updatedAt: next.updatedAt ?? task.updatedAt,
    };
    const operations: OperationInput[] = [
      {
        operationType: 'Replace',
        id: task.id,
        resourceBody: toTaskDocument(moved, partition) as unknown as JSONObject,
        ifMatch: task.version,
      },
    ];
    const from = countKey(task.wave, task.state);
    const to = countKey(moved.wave, moved.state);
    if (from !== to) {
      await this.ensureCounter(task.activationId, partition);
      operations.push(
        patchOperation(this.counterId, [
          { op: 'incr', path: `/counts/${from}`, value: -1 },
          { op: 'incr', path: `/counts/${to}`, value: 1 },
        ]),
      );
    }
    const outcome = await runBatch(this.recoveries, partition, operations);
    if (outcome.ok) {
      const result = outcome.results[0];
      const body = result?.resourceBody as unknown as TaskDocument | undefined;
      if (body) return toTask(body);
      return result?.eTag ? { ...moved, version: result.eTag } : moved;
    }
    // Someone else moved or removed it first.
    if (outcome.failedIndex === 0 && (outcome.failedStatus === 412 || outcome.failedStatus === 404))
      return undefined;
    if (outcome.failedStatus === undefined) {
      const current = await this.getTask(task.activationId, task.deviceId);
      if (current?.version !== task.version) return undefined;
    }
    throw outcome.error ?? new Error(`Moving task ${task.id} failed with status ${outcome.failedStatus}`);
  }

  async tasksIn(
    activationId: string,
    states: readonly RecoveryState[],
    limit: number,
    options: TasksInOptions = {},
  ): Promise<RecoveryTask[]> {
    if (states.length === 0 || limit < 1) return [];
    const { conditions, parameters } = taskConditions(activationId, { wave: options.wave });
    conditions.push('ARRAY_CONTAINS(@states, c.state)');
    if (options.dispatchedBeforeEpoch !== undefined) {
      conditions.push('(NOT IS_DEFINED(c.epoch) OR c.epoch < @epoch)');
      parameters.push({ name: '@epoch', value: options.dispatchedBeforeEpoch });
    }
    parameters.push({ name: '@states', value: [...states] }, { name: '@limit', value: Math.floor(limit) });
    const { resources } = await this.recoveries.items
      .query<TaskDocument>({
        query: `SELECT TOP @limit * FROM c WHERE ${conditions.join(' AND ')}`,
        parameters,
      })
      .fetchAll();
    return resources.map(toTask);
  }

  async listTasks(activationId: string, filter: TaskFilter, page: PageRequest): Promise<Page<RecoveryTask>> {
    const { conditions, parameters } = taskConditions(activationId, filter);
    const spec = {
      query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.deviceId`,
      parameters,
    };
    return await fetchPage(this.recoveries, spec, page, toTask);
  }

  async counts(activationId: string): Promise<WaveCounts> {
    const { resources } = await this.recoveries.items
      .query<CounterDocument>({
        query: "SELECT * FROM c WHERE c.type = 'counter' AND c.activationId = @activation",
        parameters: [{ name: '@activation', value: activationId }],
      })
      .fetchAll();
    const sums = new Map<string, number>();
    for (const document of resources) {
      for (const [key, count] of Object.entries(document.counts)) sums.set(key, (sums.get(key) ?? 0) + count);
    }
    const counts: WaveCounts = {};
    for (const [key, count] of sums) {
      // A key every task has left again sums to 0: left out, as if never counted.
      if (count === 0) continue;
      const { wave, state } = parseCountKey(key);
      counts[wave] = { ...counts[wave], [state]: count };
    }
    return counts;
  }

  async lastRecoveredAt(activationId: string): Promise<string | undefined> {
    const { resources } = await this.recoveries.items
      .query<number>({
        query:
          "SELECT VALUE MAX(c.recoveredAtMs) FROM c WHERE c.type = 'task' AND c.activationId = @activation AND IS_DEFINED(c.recoveredAtMs)",
        parameters: [{ name: '@activation', value: activationId }],
      })
      .fetchAll();
    const latest = resources[0];
    return typeof latest === 'number' ? new Date(latest).toISOString() : undefined;
  }

  private get counterId(): string {
    return `counter:${this.region}`;
  }

  private partitionOf(activationId: string, deviceId: string): string {
    return `${activationId}:${stableHash32(deviceId) % this.shards}`;
  }

  /**
   * Creates one chunk of a partition's tasks and counts them in one batch. A replay (some of them
   * exist already) fails the whole batch: then each is created on its own, the existing skipped.
   */
  private async createTasks(partition: string, tasks: RecoveryTask[]): Promise<void> {
    const outcome = await runBatch(this.recoveries, partition, [
      ...tasks.map((task) => createOperation(task, partition)),
      ...this.countPatches(tasks),
    ]);
    if (outcome.ok) return;
    const createFailed = outcome.failedIndex === undefined || outcome.failedIndex < tasks.length;
    if (!createFailed || (outcome.failedStatus !== 409 && outcome.failedStatus !== undefined)) {
      throw (
        outcome.error ??
        new Error(`Creating tasks in ${partition} failed with status ${outcome.failedStatus}`)
      );
    }
    for (const task of tasks) {
      const single = await runBatch(this.recoveries, partition, [
        createOperation(task, partition),
        ...this.countPatches([task]),
      ]);
      if (single.ok || (single.failedIndex === 0 && single.failedStatus === 409)) continue;
      if (single.failedStatus === undefined && (await this.getTask(task.activationId, task.deviceId)))
        continue;
      throw single.error ?? new Error(`Creating task ${task.id} failed with status ${single.failedStatus}`);
    }
  }

  /** Patches of this region's counter adding `tasks`, at most 10 increments a patch. */
  private countPatches(tasks: readonly RecoveryTask[]): OperationInput[] {
    const added = new Map<string, number>();
    for (const task of tasks) {
      const key = countKey(task.wave, task.state);
      added.set(key, (added.get(key) ?? 0) + 1);
    }
    const increments = [...added].map(([key, value]) => ({ op: 'incr', path: `/counts/${key}`, value }));
    const patches: OperationInput[] = [];
    for (let start = 0; start < increments.length; start += incrementsPerPatch) {
      patches.push(patchOperation(this.counterId, increments.slice(start, start + incrementsPerPatch)));
    }
    return patches;
  }

  /** Creates this region's counter in the partition once; a concurrent creator winning is as good. */
  private async ensureCounter(activationId: string, partition: string): Promise<void> {
    if (this.ensuredCounters.has(partition)) return;
    const counter: CounterDocument = {
      id: this.counterId,
      type: 'counter',
      activationId,
      partition,
      region: this.region,
      counts: {},
    };
    try {
      await this.recoveries.items.create(counter);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    this.ensuredCounters.add(partition);
  }
}

/**
 * The conditions every task query starts from. Queries across the shards name the activation (else
 * they would read every activation's tasks); the embedded emulator needs it for any query anyway.
 */
function taskConditions(
  activationId: string,
  filter: TaskFilter,
): { conditions: string[]; parameters: SqlParameter[] } {
  const conditions = ["c.type = 'task'", 'c.activationId = @activation'];
  const parameters: SqlParameter[] = [{ name: '@activation', value: activationId }];
  if (filter.state) {
    conditions.push('c.state = @state');
    parameters.push({ name: '@state', value: filter.state });
  }
  if (filter.wave !== undefined) {
    conditions.push('c.wave = @wave');
    parameters.push({ name: '@wave', value: filter.wave });
  }
  return { conditions, parameters };
}

function countKey(wave: number, state: RecoveryState): string {
  return `${wave}.${state}`;
}

function parseCountKey(key: string): { wave: number; state: RecoveryState } {
  const dot = key.indexOf('.');
  return { wave: Number(key.slice(0, dot)), state: key.slice(dot + 1) as RecoveryState };
}

function createOperation(task: RecoveryTask, partition: string): OperationInput {
  return { operationType: 'Create', resourceBody: toTaskDocument(task, partition) as unknown as JSONObject };
}

function toActivationDocument(activation: Activation): ActivationDocument {
  const { version: _version, ...rest } = activation;
  return { ...rest, type: 'activation' };
}

function toActivation(document: ActivationDocument): Activation {
  const { type: _type, _etag, _rid, _ts, _self, _attachments, ...activation } = document;
  return _etag ? { ...activation, version: _etag } : activation;
}

function toTaskDocument(task: RecoveryTask, partition: string): TaskDocument {
  const { version: _version, ...rest } = task;
  const document: TaskDocument = { ...rest, type: 'task', partition };
  if (task.recoveredAt) document.recoveredAtMs = Date.parse(task.recoveredAt);
  return document;
}

function toTask(document: TaskDocument): RecoveryTask {
  const {
    type: _type,
    partition: _partition,
    recoveredAtMs: _recoveredAtMs,
    _etag,
    _rid,
    _ts,
    _self,
    _attachments,
    ...task
  } = document;
  return _etag ? { ...task, version: _etag } : task;
}
