/**
 * Opens a task hub in the region's own storage: its table and its two queues, created if missing.
 * Every call to them is bounded (src/adapters/deadlines), so a storage account that stops answering
 * costs the driver a call's budget, never a hang: a turn or an activity fails and its message comes
 * back after its visibility timeout, a poll fails and is tried again.
 */
import { TableClient } from '@azure/data-tables';
import { defaultBudgets, type Budgets } from '../../adapters/deadlines/budgets';
import { DependencyGuards } from '../../adapters/deadlines/DependencyGuards';
import { tableDeadlinePolicy } from '../../adapters/deadlines/storageDeadlinePolicies';
import { createQueueServiceClient } from '../../adapters/storage-queue/createQueueServiceClient';
import type { Connection } from '../../config';
import type { EventLog } from '../../ports/EventLog';
import { TaskHubQueues } from './TaskHubQueues';
import { TaskHubStore } from './TaskHubStore';

export interface TaskHub {
  name: string;
  store: TaskHubStore;
  queues: TaskHubQueues;
}

export interface OpenTaskHubOptions {
  /**
   * What each call may take: the worker's budgets for the driver's own calls, the request's for a
   * call made on an HTTP request's behalf (starting an orchestration). Production's by default.
   */
  budgets?: Budgets;
  /** Where the hub's circuit breakers say they opened or closed. */
  events?: EventLog;
}

/** How the hub's calls name their dependency in errors and events. */
export const taskHubDependency = 'task-hub';

/** As config.ts validates DURABLE_TASK_HUB. */
const taskHubPattern = /^[A-Za-z][A-Za-z0-9]{2,44}$/;

/**
 * The names differ from the Durable extension's own (`{hub}History`, `{hub}-control-00`, ...), so
 * a real Functions host pointed at the same Azurite and hub name cannot misread this driver's rows.
 */
export function taskHubResourceNames(taskHub: string): {
  table: string;
  controlQueue: string;
  workItemQueue: string;
} {
  const lower = taskHub.toLowerCase();
  return {
    table: `${taskHub}DriverState`,
    controlQueue: `${lower}-driver-control`,
    workItemQueue: `${lower}-driver-workitems`,
  };
}

export async function openTaskHub(
  connection: Connection,
  taskHub: string,
  options: OpenTaskHubOptions = {},
): Promise<TaskHub> {
  if (!taskHubPattern.test(taskHub)) {
    throw new TypeError(
      `Task hub "${taskHub}" is invalid; expected 3 to 45 letters and digits, starting with a letter`,
    );
  }
  if (connection.kind !== 'connectionString') {
    // The driver stands in for the Durable extension in the embedded runtime only, against Azurite.
    throw new TypeError('The in-process orchestration driver needs a storage connection string');
  }
  const budgets = options.budgets ?? defaultBudgets;
  // The hub's own breakers: its storage is the region's, but the services' guards belong to the
  // services, which are rebuilt (tests) while a driver runs on.
  const guards = new DependencyGuards(budgets, options.events);
  const { maxTries, retryDelayInMs, maxRetryDelayInMs } = budgets.storageRetry;
  const names = taskHubResourceNames(taskHub);
  const table = TableClient.fromConnectionString(connection.connectionString, names.table, {
    allowInsecureConnection: true,
    additionalPolicies: [
      { policy: tableDeadlinePolicy(guards.guard(taskHubDependency, 'table')), position: 'perCall' },
    ],
    retryOptions: { maxRetries: maxTries - 1, retryDelayInMs, maxRetryDelayInMs },
  });
  const queueService = createQueueServiceClient(
    connection,
    { retryOptions: budgets.storageRetry },
    guards.guard(taskHubDependency, 'queue'),
  );
  const hub: TaskHub = {
    name: taskHub,
    store: new TaskHubStore(table),
    queues: new TaskHubQueues(
      queueService.getQueueClient(names.controlQueue),
      queueService.getQueueClient(names.workItemQueue),
    ),
  };
  await Promise.all([hub.store.ensureCreated(), hub.queues.ensureCreated()]);
  return hub;
}
