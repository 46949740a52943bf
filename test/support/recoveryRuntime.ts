/**
 * The parts of the embedded runtime an activation needs beside the HTTP host: the orchestration
 * driver (installed as the functions' orchestration client) and the queue host running the
 * registered queue workers, both with short polls for tests.
 */
import { services } from '../../src/compositionRoot';
import { installOrchestrationClient } from '../../src/functions/orchestrationClient';
import { registeredFunctions, type QueueFunction } from '../../src/functions/registry';
import {
  startOrchestrationDriver,
  type OrchestrationDriver,
} from '../../src/local/durable/startOrchestrationDriver';
import { startQueueHost, type QueueHost } from '../../src/local/queueHost';

export interface RecoveryRuntime {
  driver: OrchestrationDriver;
  queues: QueueHost;
  stop(): Promise<void>;
}

export async function startRecoveryRuntime(): Promise<RecoveryRuntime> {
  const { config } = services();
  const functions = registeredFunctions();
  const driver = await startOrchestrationDriver({
    connection: config.workQueue.connection,
    taskHub: config.taskHub,
    functions,
    pollIntervalInMs: 50,
    visibilityTimeoutInSeconds: 5,
  });
  installOrchestrationClient(driver);
  const queues = await startQueueHost({
    connection: config.workQueue.connection,
    functions: functions.filter((f): f is QueueFunction => f.kind === 'queue'),
    options: { visibilityTimeoutInMs: 2_000, minPollIntervalInMs: 20, maxPollIntervalInMs: 100 },
  });
  return {
    driver,
    queues,
    async stop() {
      await Promise.all([queues.stop(), driver.stop()]);
      installOrchestrationClient(undefined);
    },
  };
}
