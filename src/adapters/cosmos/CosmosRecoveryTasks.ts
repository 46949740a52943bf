/**
 * An activation's recovery tasks in `recoveries`, partitioned by `{activationId}:{shard}`: a task's
 * shard is fixed by its device id, so the 50,000 tasks of a large activation never share one
 * logical partition (20 GB, and the throughput of one physical partition). Every task write moves
 * its shard's counter (`RecoveryCounters`) in the same transactional batch.
 */
import type { Container, JSONObject, OperationInput, SqlParameter } from '@azure/cosmos';
import { canMove, recoveryTaskId, type RecoveryState, type RecoveryTask } from '../../domain/recoveryTask';
import { stableHash32 } from '../../domain/rpo';
import type { TaskFilter, TasksInOptions } from '../../ports/ActivationStore';
import type { Page, PageRequest } from '../../ports/Page';
import { runBatch } from './cosmosBatch';
import type { SystemFields } from './cosmosSystemFields';
import { fetchPage } from './fetchPage';
import type { RecoveryCounters } from './RecoveryCounters';

interface TaskDocument extends Omit<RecoveryTask, 'version'>, SystemFields {
  type: 'task';
  partition: string;
  /** Beside the ISO time, for the MAX query at completion. */
  recoveredAtMs?: number;
}

/** Tasks created per batch: with their counter patches (≤ 10 increments each) well under Cosmos DB's 100. */
const tasksPerBatch = 50;

export class CosmosRecoveryTasks {
  constructor(
    private readonly recoveries: Container,
    private readonly counters: RecoveryCounters,
    private readonly shards: number,
  ) {}

  async add(tasks: readonly RecoveryTask[]): Promise<void> {
    const byPartition = new Map<string, RecoveryTask[]>();
    for (const task of tasks) {
      const partition = this.partitionOf(task.activationId, task.deviceId);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), task]);
    }
    await Promise.all(
      [...byPartition].map(async ([partition, inPartition]) => {
        await this.counters.ensure(inPartition[0]!.activationId, partition);
        for (let start = 0; start < inPartition.length; start += tasksPerBatch) {
          await this.create(partition, inPartition.slice(start, start + tasksPerBatch));
        }
      }),
    );
  }

  async get(activationId: string, deviceId: string): Promise<RecoveryTask | undefined> {
    const { resource } = await this.recoveries
      .item(recoveryTaskId(activationId, deviceId), this.partitionOf(activationId, deviceId))
      .read<TaskDocument>();
    return resource?.type === 'task' ? toTask(resource) : undefined;
  }

  async move(
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
    const countMove = this.counters.moving(task, moved);
    if (countMove) {
      await this.counters.ensure(task.activationId, partition);
      operations.push(countMove);
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
      const current = await this.get(task.activationId, task.deviceId);
      if (current?.version !== task.version) return undefined;
    }
    throw outcome.error ?? new Error(`Moving task ${task.id} failed with status ${outcome.failedStatus}`);
  }

  async inStates(
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

  async list(activationId: string, filter: TaskFilter, page: PageRequest): Promise<Page<RecoveryTask>> {
    const { conditions, parameters } = taskConditions(activationId, filter);
    const spec = {
      query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.deviceId`,
      parameters,
    };
    return await fetchPage(this.recoveries, spec, page, toTask);
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

  private partitionOf(activationId: string, deviceId: string): string {
    return `${activationId}:${stableHash32(deviceId) % this.shards}`;
  }

  /**
   * Creates one chunk of a partition's tasks and counts them in one batch. A replay (some of them
   * exist already) fails the whole batch: then each is created on its own, the existing skipped.
   */
  private async create(partition: string, tasks: RecoveryTask[]): Promise<void> {
    const outcome = await runBatch(this.recoveries, partition, [
      ...tasks.map((task) => createOperation(task, partition)),
      ...this.counters.adding(tasks),
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
        ...this.counters.adding([task]),
      ]);
      if (single.ok || (single.failedIndex === 0 && single.failedStatus === 409)) continue;
      if (single.failedStatus === undefined && (await this.get(task.activationId, task.deviceId))) continue;
      throw single.error ?? new Error(`Creating task ${task.id} failed with status ${single.failedStatus}`);
    }
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

function createOperation(task: RecoveryTask, partition: string): OperationInput {
  return { operationType: 'Create', resourceBody: toTaskDocument(task, partition) as unknown as JSONObject };
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
