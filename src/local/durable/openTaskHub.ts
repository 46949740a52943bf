/** Opens a task hub in the region's own storage: its table and its two queues, created if missing. */
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import type { Connection } from '../../config';
import { TaskHubQueues } from './TaskHubQueues';
import { TaskHubStore } from './TaskHubStore';

export interface TaskHub {
  name: string;
  store: TaskHubStore;
  queues: TaskHubQueues;
}

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

export async function openTaskHub(connection: Connection, taskHub: string): Promise<TaskHub> {
  if (!taskHubPattern.test(taskHub)) {
    throw new TypeError(
      `Task hub "${taskHub}" is invalid; expected 3 to 45 letters and digits, starting with a letter`,
    );
  }
  if (connection.kind !== 'connectionString') {
    // The driver stands in for the Durable extension in the embedded runtime only, against Azurite.
    throw new TypeError('The in-process orchestration driver needs a storage connection string');
  }
  const names = taskHubResourceNames(taskHub);
  const table = TableClient.fromConnectionString(connection.connectionString, names.table, {
    allowInsecureConnection: true,
  });
  const queueService = QueueServiceClient.fromConnectionString(connection.connectionString);
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
