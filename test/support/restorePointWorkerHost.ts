/**
 * The registered restore-point worker (`takeRestorePoint`) behind the local queue host, polling
 * fast, as the managed-disk protection tests run it against the services they installed.
 */
import { services } from '../../src/compositionRoot';
import { registeredFunctions, type QueueFunction } from '../../src/functions/registry';
import { startQueueHost, type QueueHost } from '../../src/local/queueHost';

export interface RestorePointWorkerHostOptions {
  /** How long a delivery stays hidden before it is handed out again. */
  visibilityTimeoutInMs: number;
  /** Collects what the host logs as errors and warnings (failed deliveries), to show when a cycle does not complete. */
  errors?: string[];
}

export async function startRestorePointWorkerHost(
  options: RestorePointWorkerHostOptions,
): Promise<QueueHost> {
  const { errors } = options;
  return await startQueueHost({
    connection: services().config.workQueue.connection,
    functions: registeredFunctions().filter(
      (f): f is QueueFunction => f.kind === 'queue' && f.name === 'takeRestorePoint',
    ),
    options: {
      visibilityTimeoutInMs: options.visibilityTimeoutInMs,
      minPollIntervalInMs: 20,
      maxPollIntervalInMs: 100,
    },
    log: (level, ...args) => {
      if (errors && (level === 'error' || level === 'warning')) errors.push(args.join(' '));
    },
  });
}
