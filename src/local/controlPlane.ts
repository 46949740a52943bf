/**
 * One control-plane region in process: the registered functions behind the HTTP host, the timer
 * host, the queue host and the orchestration driver, all with the handlers the Functions host runs.
 */
import { getConfig } from '../config';
import {
  registeredFunctions,
  type HttpFunction,
  type QueueFunction,
  type TimerFunction,
} from '../functions/registry';
import { installOrchestrationClient } from '../functions/orchestrationClient';
import { startOrchestrationDriver, type OrchestrationDriver } from './durable/startOrchestrationDriver';
import { startHttpHost, type LogHandler } from './httpHost';
import { defaultPortalDir, portalSite } from './portalSite';
import { startQueueHost } from './queueHost';
import { startTimerHost } from './timerHost';
import '../functions';

export interface ControlPlane {
  port: number;
  orchestrations: OrchestrationDriver;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  httpPort: number;
  log: LogHandler;
  /** The built admin portal; portal/dist beside the package unless given. */
  portalDir?: string;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const config = getConfig();
  if (config.workQueue.backend !== 'storage') {
    throw new TypeError(
      'The embedded runtime runs queue workers over storage queues: set WORK_QUEUE_BACKEND=storage',
    );
  }
  const functions = registeredFunctions();
  const of = <K extends string>(kind: K) => functions.filter((f) => f.kind === kind);
  const { log } = options;

  const orchestrations = await startOrchestrationDriver({
    connection: config.workQueue.connection,
    taskHub: config.taskHub,
    functions,
    log,
  });
  // The functions that start orchestrations reach this driver instead of a Durable binding.
  installOrchestrationClient(orchestrations);
  const queues = await startQueueHost({
    connection: config.workQueue.connection,
    functions: of('queue') as QueueFunction[],
    log,
  });
  const timers = startTimerHost(of('timer') as TimerFunction[], { log });
  const http = await startHttpHost(of('http') as HttpFunction[], {
    port: options.httpPort,
    log,
    site: portalSite({
      dir: options.portalDir ?? defaultPortalDir(),
      devSignIn: config.localIssuer.enabled
        ? {
            dataDir: config.localIssuer.dataDir,
            issuer: config.auth.issuer,
            audience: config.auth.audience,
            platformTenantId: config.auth.platformTenantId,
          }
        : undefined,
    }),
  });

  return {
    port: http.port,
    orchestrations,
    async stop() {
      // Stop taking requests first, then finish the work in hand.
      await http.close();
      await Promise.all([timers.stop(), queues.stop(), orchestrations.stop()]);
      installOrchestrationClient(undefined);
    },
  };
}
