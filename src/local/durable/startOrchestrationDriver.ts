/**
 * The embedded runtime's stand-in for the Durable extension: runs the app's orchestrations and
 * activities in process, with each instance's history in the region's own storage (its task hub).
 */
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import type { Connection } from '../../config';
import type { FunctionDefinition } from '../../functions/registry';
import type { OrchestrationClient } from '../../ports/OrchestrationClient';
import type { LogHandler } from '../httpHost';
import type { DriverContext } from './DriverContext';
import { handleControlMessage } from './handleControlMessage';
import { KeyedSerializer } from './KeyedSerializer';
import { openTaskHub } from './openTaskHub';
import { QueuePoller } from './QueuePoller';
import { runActivityWorkItem } from './runActivityWorkItem';
import { TaskHubClient } from './TaskHubClient';
import type { ActivityWorkItem } from './WorkItem';

export interface OrchestrationDriverOptions {
  /** The region's own storage (`AzureWebJobsStorage`): a connection string, Azurite's locally. */
  connection: Connection;
  /** `DURABLE_TASK_HUB`: names the table and queues, so regions and test files do not collide. */
  taskHub: string;
  /** The registry's functions; the orchestrations and activities among them are run. */
  functions: readonly FunctionDefinition[];
  log?: LogHandler;
  /**
   * How long an empty queue is left alone before it is asked again. Default 250. A message this
   * driver sends itself (a turn, an activity) is looked for at once.
   */
  pollIntervalInMs?: number;
  /**
   * How long a received message stays hidden; renewed while it is handled. After a crash, its
   * work (a turn, an activity) reappears when this has passed: short, so a restarted process
   * goes on within seconds. Default 20, as the work queues' lock.
   */
  visibilityTimeoutInSeconds?: number;
  /** Default 8. */
  maxConcurrentActivities?: number;
  /** Turns of different instances at once; one instance's turns never overlap. Default 8. */
  maxConcurrentTurns?: number;
  /** Deliveries after which a work item is given up on: its activity or orchestration fails. Default 10. */
  maxDeliveries?: number;
  /** How long `stop` waits for running activities and turns. Default 2000. */
  stopGraceInMs?: number;
}

export interface OrchestrationDriver extends OrchestrationClient {
  readonly taskHub: string;
  /**
   * Stops taking work and waits briefly for work in hand. Work not finished by then is redone by
   * the next process (activities run at least once).
   */
  stop(): Promise<void>;
}

export async function startOrchestrationDriver(
  options: OrchestrationDriverOptions,
): Promise<OrchestrationDriver> {
  const hub = await openTaskHub(options.connection, options.taskHub);
  const log = options.log ?? (() => undefined);
  const context: DriverContext = {
    hub,
    orchestrations: new Map(
      options.functions.flatMap((f): [string, OrchestrationHandler][] =>
        f.kind === 'orchestration' ? [[f.name, f.orchestrator]] : [],
      ),
    ),
    activities: new Map(
      options.functions.flatMap((f): [string, ActivityHandler][] =>
        f.kind === 'activity' ? [[f.name, f.handler]] : [],
      ),
    ),
    log,
    maxDeliveries: options.maxDeliveries ?? 10,
  };
  const shared = {
    pollIntervalInMs: options.pollIntervalInMs ?? 250,
    visibilityTimeoutInSeconds: options.visibilityTimeoutInSeconds ?? 20,
    log,
  };
  const turns = new KeyedSerializer();
  const control = new QueuePoller({
    ...shared,
    name: `${hub.name}-control`,
    queue: hub.queues.control,
    concurrency: options.maxConcurrentTurns ?? 8,
    handle: (message) => handleControlMessage(context, turns, message),
  });
  const workItems = new QueuePoller({
    ...shared,
    name: `${hub.name}-workitems`,
    queue: hub.queues.workItems,
    concurrency: options.maxConcurrentActivities ?? 8,
    handle: (message) =>
      runActivityWorkItem(context, JSON.parse(message.text) as ActivityWorkItem, message.dequeueCount),
  });

  // Work this process sends itself is taken at once; the poll interval is for everyone else's.
  hub.queues.onSent((queue) => (queue === 'control' ? control : workItems).wake());

  // An instance a stopped process was moving on may have lost the message that would move it
  // next (a crash between two writes); a turn with nothing new to do costs two reads.
  for await (const instanceId of hub.store.activeInstanceIds()) await hub.queues.requestTurn(instanceId);
  control.start();
  workItems.start();
  log(
    'information',
    'orchestration-driver',
    `Task hub ${hub.name}: ${context.orchestrations.size} orchestrations, ${context.activities.size} activities`,
  );

  const client = new TaskHubClient(hub);
  const grace = options.stopGraceInMs ?? 2_000;
  return {
    taskHub: hub.name,
    startNew: (name, startOptions) => client.startNew(name, startOptions),
    getStatus: (instanceId) => client.getStatus(instanceId),
    raiseEvent: (instanceId, eventName, eventData) => client.raiseEvent(instanceId, eventName, eventData),
    terminate: (instanceId, reason) => client.terminate(instanceId, reason),
    stop: async () => {
      await Promise.all([control.stop(grace), workItems.stop(grace)]);
    },
  };
}
