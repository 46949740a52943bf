/**
 * One run's world, set up before its first phase and taken down after its last: fresh emulators in
 * processes of their own, the app settings pointing at them (in `process.env`, where the services
 * read them), the control plane's services on a controlled clock, every HTTP route behind the
 * local HTTP host, the request counter, and a tenant with a reader's and an operator's token.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/local/quietTestModeWarnings';
import { createCosmosClient } from '../src/adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../src/adapters/cosmos/ensureCosmosSchema';
import { loadLocalSigningKey, signLocalToken } from '../src/adapters/local-issuer/localIssuer';
import type { SimulatedComputeProvider } from '../src/adapters/compute/SimulatedComputeProvider';
import { installedStores, installServices, resetServices, services } from '../src/compositionRoot';
import type { Config } from '../src/config';
import { httpFunctions, type HttpFunction } from '../src/functions/registry';
import { freePort } from '../src/local/emulators/freePort';
import { startHttpHost } from '../src/local/httpHost';
import { LocalRegions, localSettings } from '../src/local/localSettings';
import { SettingNames } from '../src/settingNames';
import '../src/functions';
import { BenchClock, EventRecorder, WorkerLog } from './cycle';
import { startEmulators, type Emulators } from './emulators';
import { deviceIds } from './fleet';
import { ProcessMeter } from './processMeter';
import { RequestCounter, tagged, type Destination } from './requestCounter';
import type { RunSettings } from './settings';

const hourMs = 3_600_000;

export interface RunEnvironment {
  devices: number;
  /** The run's number among the runs of its fleet size, from 1. */
  run: number;
  settings: RunSettings;
  /** The run's app settings (also in `process.env`): the floors build their own clients from them. */
  appSettings: Record<string, string>;
  emulators: Emulators;
  emulatorsMs: number;
  config: Config;
  clock: BenchClock;
  events: EventRecorder;
  /** What the queue host logs of the cycle's worker. */
  workerLog: WorkerLog;
  counter: RequestCounter;
  meter: ProcessMeter;
  tenantId: string;
  /** `http://127.0.0.1:{port}/api/tenants/{tenantId}` */
  tenantUrl: string;
  readerToken: string;
  operatorToken: string;
  ids: string[];
  primary: BlobServiceClient;
  backup: BlobServiceClient;
  /** When the fleet is registered, on the business clock; every device is due an hour later. */
  registeredAt: number;
  dueAt: number;
  /** The simulated provider behind the services now installed. */
  compute(): SimulatedComputeProvider;
  /** Builds the services again with another SIMULATED_COMPUTE (the activation with latency). */
  reinstallServices(simulatedCompute: string): Promise<void>;
  /** Takes everything down, last started first; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startRunEnvironment(
  devices: number,
  run: number,
  settings: RunSettings,
): Promise<RunEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-'));
  const emulatorsStarted = performance.now();
  const emulators = await startEmulators(dataDir).catch(async (err: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const emulatorsMs = performance.now() - emulatorsStarted;
  const teardown: (() => Promise<void> | void)[] = [
    () => rm(dataDir, { recursive: true, force: true }),
    () => emulators.stop(),
    () => resetServices(),
  ];
  const stop = async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  };
  try {
    const httpPort = await freePort();
    const ports = { ...emulators.ports, http: httpPort };
    const appSettings: Record<string, string> = {
      ...localSettings(ports, dataDir),
      [SettingNames.cosmosDatabase]: `bench-${randomUUID()}`,
      [SettingNames.activationPollSeconds]: String(settings.activationPollSeconds),
      // The provider at zero latency, unlimited; the realistic activation sets its own.
      [SettingNames.simulatedCompute]: '{}',
    };
    Object.assign(process.env, appSettings);
    await resetServices();
    const cosmos = createCosmosClient(services().config.cosmos.connection);
    await ensureCosmosSchema(cosmos, services().config.cosmos.database);
    cosmos.dispose();

    // Registered two hours ago, so the cycle (one hour after registration) is in the past by the
    // time the activation runs on the system's own clock, as its wall-clock records need.
    const registeredAt = Math.floor(Date.now() / 1000) * 1000 - 2 * hourMs;
    const clock = new BenchClock(registeredAt);
    const events = new EventRecorder();
    const install = () => installServices({ clock, events, worker: settings.worker });
    install();
    const { config } = services();

    const counter = new RequestCounter(
      new Map<number, Destination>([
        [ports.blob, 'blob'],
        [ports.queue, 'queue'],
        [ports.table, 'table'],
        [ports.cosmos, 'cosmos'],
        [ports.http, 'http'],
      ]),
    );
    teardown.push(() => counter.close());
    const httpHost = await startHttpHost(probeTagged(httpFunctions()), { port: httpPort });
    teardown.push(() => httpHost.close());

    const tenantId = randomUUID();
    const key = await loadLocalSigningKey(dataDir);
    const token = (role: string) =>
      signLocalToken(key, {
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        tenantId,
        roles: [role],
        expiresInSeconds: 7 * 24 * 3600,
      });
    const storage = JSON.parse(appSettings[SettingNames.regionStorage]!) as Record<string, string>;
    return {
      devices,
      run,
      settings,
      appSettings,
      emulators,
      emulatorsMs,
      config,
      clock,
      events,
      workerLog: new WorkerLog(),
      counter,
      meter: new ProcessMeter(emulators, devices, counter),
      tenantId,
      tenantUrl: `http://127.0.0.1:${httpPort}/api/tenants/${tenantId}`,
      readerToken: await token('DR.Reader'),
      operatorToken: await token('DR.Operator'),
      ids: deviceIds(devices),
      primary: BlobServiceClient.fromConnectionString(storage[LocalRegions.primary]!),
      backup: BlobServiceClient.fromConnectionString(storage[LocalRegions.backup]!),
      registeredAt,
      dueAt: registeredAt + hourMs,
      compute: () => installedStores().compute as SimulatedComputeProvider,
      async reinstallServices(simulatedCompute) {
        process.env[SettingNames.simulatedCompute] = simulatedCompute;
        await resetServices();
        install();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * What the control plane does to answer the probes is the probes', not the phase's; the requests
 * to activate and deactivate are the phase's own.
 */
function probeTagged(functions: readonly HttpFunction[]): HttpFunction[] {
  const phaseRoutes = new Set(['activateRecovery', 'deactivateRecovery']);
  return functions.map((fn): HttpFunction =>
    phaseRoutes.has(fn.name)
      ? fn
      : { ...fn, handler: (request, context) => tagged('probe', () => fn.handler(request, context)) },
  );
}
