import type { Activation } from '../domain/activation';
import type { RecoveryState, RecoveryTask, WaveCounts } from '../domain/recoveryTask';
import type { Page, PageRequest } from './Page';

export interface TasksInOptions {
  wave?: number;
  /** Only tasks last dispatched by a driver of an older epoch (or never): what an adopter re-sends. */
  dispatchedBeforeEpoch?: number;
}

export interface TaskFilter {
  state?: RecoveryState;
  wave?: number;
}

/**
 * Activations and their recovery tasks. Tasks are spread over shards of the activation (no hot
 * partition at 50,000 devices), each shard with a counter per writing region that every task move
 * updates in the same transaction: counts are exact and cheap to read.
 */
export interface ActivationStore {
  /** Throws ConflictError `activation-exists` when one with that id exists. */
  create(activation: Activation): Promise<Activation>;
  get(tenantId: string, id: string): Promise<Activation | undefined>;
  /** Throws ConflictError `precondition-failed` when `ifVersion` is stale. */
  replace(activation: Activation, ifVersion: string): Promise<Activation>;
  /** Activations still needing a driver (planning, recovering, deactivating), across tenants. */
  listDriven(): AsyncIterable<Activation>;
  /** The tenant's activations, newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<Activation>>;
  /**
   * The tenant's activations that still hold what they took (planning, recovering, completed or
   * cancelled: not deactivating or deactivated), newest first, at most `limit`.
   */
  listHolding(tenantId: string, limit: number): Promise<Activation[]>;

  /** Creates the tasks that do not exist yet and counts them; existing tasks are left as they are. */
  addTasks(tasks: readonly RecoveryTask[]): Promise<void>;
  getTask(activationId: string, deviceId: string): Promise<RecoveryTask | undefined>;
  /**
   * Moves a task to `next.state` with the other fields given, only if it is unchanged since it was
   * read (its version) and the move is allowed; its counter moves in the same transaction.
   * Undefined when someone else changed it first or the move is not allowed.
   */
  moveTask(
    task: RecoveryTask,
    next: Partial<RecoveryTask> & Pick<RecoveryTask, 'state'>,
  ): Promise<RecoveryTask | undefined>;
  /** Up to `limit` tasks of the activation in one of `states`, narrowed by the options. */
  tasksIn(
    activationId: string,
    states: readonly RecoveryState[],
    limit: number,
    options?: TasksInOptions,
  ): Promise<RecoveryTask[]>;
  listTasks(activationId: string, filter: TaskFilter, page: PageRequest): Promise<Page<RecoveryTask>>;
  /** Counts per wave and state, summed over the shards. */
  counts(activationId: string): Promise<WaveCounts>;
  /** When the last task was recovered (a query over the tasks: read once, at completion). */
  lastRecoveredAt(activationId: string): Promise<string | undefined>;
}
