/**
 * What the activation's half of a run runs beside the HTTP host: the orchestration driver and the
 * `recoverDevice` worker, in this process as `src/local/controlPlane.ts` starts them, with what
 * each logs, and the API they are driven through.
 */
import type { Connection } from '../src/config';
import { ensureErrorType } from '../src/domain/errors';
import { installOrchestrationClient } from '../src/functions/orchestrationClient';
import { registeredFunctions, type QueueFunction } from '../src/functions/registry';
import { startOrchestrationDriver } from '../src/local/durable/startOrchestrationDriver';
import type { LogHandler } from '../src/local/httpHost';
import { startQueueHost, type QueueHostOptions } from '../src/local/queueHost';
import type { ActivationApi } from './activation';
import { WorkerLog } from './cycle';
import type { RunEnvironment } from './runEnvironment';

export interface RecoveryDrivers {
  api: ActivationApi;
  /** What the queue host logs of the recovery worker; reset by each phase that reads it. */
  recoveryLog: WorkerLog;
  /** Warnings and errors of the orchestration driver. */
  driverLog: WorkerLog;
  /** `work`, failing with what the worker and the driver logged added to its error. */
  withLogs<T>(work: () => Promise<T>): Promise<T>;
  /** Stops the driver and the worker; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startRecoveryDrivers(env: RunEnvironment): Promise<RecoveryDrivers> {
  const { config, settings, events } = env;
  const recoveryLog = new WorkerLog();
  const driverLog = new WorkerLog();
  const runtime = await startActivationRuntime({
    connection: config.workQueue.connection,
    taskHub: config.taskHub,
    queueHost: { maxConcurrentCalls: settings.concurrency, ...settings.queueHost },
    driverLog: driverLog.handler,
    workerLog: recoveryLog.handler,
  });
  return {
    api: { tenantUrl: env.tenantUrl, operatorToken: env.operatorToken, readerToken: env.readerToken },
    recoveryLog,
    driverLog,
    async withLogs<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (err) {
        const error = ensureErrorType(err);
        error.message +=
          `; worker outcomes ${JSON.stringify(recoveryLog.outcomes)}` +
          (recoveryLog.firstProblem ? `, first problem: ${recoveryLog.firstProblem}` : '') +
          (driverLog.firstProblem ? `; driver: ${driverLog.firstProblem}` : '') +
          (events.firstRecoveryFailure ? `; first failure: ${events.firstRecoveryFailure}` : '');
        throw error;
      }
    },
    stop: () => runtime.stop(),
  };
}

interface ActivationRuntime {
  stop(): Promise<void>;
}

/**
 * The orchestration driver (with the embedded runtime's defaults, as `startControlPlane` starts
 * it), installed as the functions' orchestration client, and the `recoverDevice` worker behind the
 * local queue host with the cycle's host settings. Timers (the sweeper, adoption) do not run.
 */
async function startActivationRuntime(init: {
  connection: Connection;
  taskHub: string;
  queueHost: QueueHostOptions;
  driverLog: LogHandler;
  workerLog: LogHandler;
}): Promise<ActivationRuntime> {
  const functions = registeredFunctions();
  const workers = functions.filter(
    (f): f is QueueFunction => f.kind === 'queue' && f.name === 'recoverDevice',
  );
  if (workers.length !== 1) throw new Error('The recoverDevice queue worker is not registered');
  const driver = await startOrchestrationDriver({
    connection: init.connection,
    taskHub: init.taskHub,
    functions,
    log: init.driverLog,
  });
  installOrchestrationClient(driver);
  let queues;
  try {
    queues = await startQueueHost({
      connection: init.connection,
      functions: workers,
      options: init.queueHost,
      log: init.workerLog,
    });
  } catch (err) {
    await driver.stop();
    installOrchestrationClient(undefined);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= Promise.all([queues.stop(), driver.stop()]).then(() =>
        installOrchestrationClient(undefined),
      );
      return stopped;
    },
  };
}
