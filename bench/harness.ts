/**
 * The benchmark of the protection cycle against the embedded runtime, as a function the CLI
 * (`bench/run.ts`) and the smoke test (`test/bench/bench.test.ts`) both call.
 *
 * Each run of each fleet size starts from fresh emulators: Azurite (two region accounts) and the
 * Cosmos DB emulator as child processes, the control plane in this process (services, the
 * registered queue worker behind the local queue host, the HTTP routes behind the local HTTP host).
 * A run: fleet set-up (disks, tenant, policy, import) → the cycle, with the compliance report probed
 * over HTTP meanwhile → the floor, the same storage and queue calls issued bare → figures.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as prettier from 'prettier';
import '../src/local/quietTestModeWarnings';
import { loadLocalSigningKey, signLocalToken } from '../src/adapters/local-issuer/localIssuer';
import { createCosmosClient } from '../src/adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../src/adapters/cosmos/ensureCosmosSchema';
import { restorePointsContainerName } from '../src/adapters/blob/RestorePointCatalog';
import type { RestorePointWorkerOptions } from '../src/app/RestorePointWorker';
import { installServices, resetServices, services } from '../src/compositionRoot';
import { ensureErrorType } from '../src/domain/errors';
import {
  httpFunctions,
  registeredFunctions,
  type HttpFunction,
  type QueueFunction,
} from '../src/functions/registry';
import { freePort } from '../src/local/emulators/freePort';
import { startHttpHost, type HttpHost } from '../src/local/httpHost';
import { LocalRegions, localSettings } from '../src/local/localSettings';
import { startQueueHost, type QueueHost } from '../src/local/queueHost';
import { SettingNames } from '../src/settingNames';
import '../src/functions';
import { sampleCompliance, startComplianceProbe, type ProbeResult } from './complianceProbe';
import {
  BenchClock,
  CycleTimeoutError,
  EventRecorder,
  runCycle,
  WorkerLog,
  type CycleMeasurement,
} from './cycle';
import { cpuTimeMs, peakRssKiB, resetPeakRss, startEmulators } from './emulators';
import {
  createDisks,
  createTenant,
  deviceIds,
  importDevices,
  SetupTimeoutError,
  withDeadline,
  type FleetProgress,
} from './fleet';
import { calibrateFloorSend, floorMessage, prepareFloor, runFloor } from './floor';
import {
  commitInfo,
  formatMarkdown,
  formatTable,
  machineInfo,
  resultFileName,
  type CommitInfo,
  type MachineInfo,
} from './report';
import { perDevice, RequestCounter, tagged, type Destination, type RequestTally } from './requestCounter';
import { medianOfEach, percentile, round } from './stats';

export const defaultDeviceCounts = [1_000, 10_000, 50_000];
export const defaultResultsDir = join(__dirname, 'results');

export interface BenchmarkOptions {
  /** Fleet sizes, each run separately. Default 1,000, 10,000 and 50,000. */
  devices?: number[];
  /** Runs per size. Default 3 for N ≤ 10,000 and 1 above; figures are the medians of the runs. */
  runs?: number;
  /** The queue host's maxConcurrentCalls, and the floor's concurrency. Default 16 (the host's default). */
  concurrency?: number;
  diskBytes?: number;
  /** One compliance report request every this many ms while the cycle runs. Default 100. */
  probeIntervalMs?: number;
  /** Where `<timestamp>.json` and `latest.md` go. Default `bench/results`. */
  resultsDir?: string;
  /** Worker timings; the product's defaults unless set. */
  worker?: RestorePointWorkerOptions;
  /**
   * Longest wait for each of the fleet set-up, the cycle and the floor of one run.
   * Default 60 s + 100 ms per device.
   */
  timeoutMs?: (devices: number) => number;
  /** Progress lines; to stderr by default. */
  log?: (line: string) => void;
}

/** Every headline figure of one run; all finite and positive. */
export interface RunFigures {
  cycleSeconds: number;
  timeToFirstSeconds: number;
  restorePointsPerSecond: number;
  floorSeconds: number;
  floorTimeToFirstSeconds: number;
  floorRestorePointsPerSecond: number;
  /** Cycle throughput ÷ floor throughput, both from this run. */
  cycleToFloorRatio: number;
  cosmosRequestsPerDevice: number;
  /** Blob, queue and table requests of the cycle, per device. */
  storageRequestsPerDevice: number;
  floorStorageRequestsPerDevice: number;
  controlPlanePeakRssMiB: number;
  azuritePeakRssMiB: number;
  cosmosPeakRssMiB: number;
  complianceP50Ms: number;
  complianceP99Ms: number;
  complianceSamples: number;
  fleetSetupSeconds: number;
  /** Cycle time as a share of a 1-hour RPO window. */
  oneHourRpoShare: number;
  /** Restore points one control plane takes per hour at this rate: the fleet a 1-hour RPO allows. */
  devicesPerHourAtThisRate: number;
}

export interface PhaseRequests {
  perDevice: Record<Destination, number>;
  perDeviceByKind: Record<string, number>;
  /** Mean request body bytes by kind. */
  meanBytesByKind: Record<string, number>;
  total: number;
  /** Requests of the benchmark's own probes during the phase (not in the counts above). */
  excluded: RequestTally['excluded'];
}

export interface RunDetails {
  setup: {
    emulatorsSeconds: number;
    disksSeconds: number;
    importSeconds: number;
    importDevicesPerSecond: number;
  };
  cycle: {
    schedulerSeconds: number;
    dispatched: number;
    timedBy: string;
    summaryAllVerifiedSeconds: number;
    verifiedInBackupRegion: number;
    workerOutcomes: Record<string, number>;
    events: Record<string, number>;
    failures: Record<string, number>;
    workerProblems: number;
    firstWorkerProblem?: string;
    /**
     * How late the control plane's event loop ran timers during the cycle: work queued behind the
     * workers' handlers, which every HTTP request (the compliance probe's too) waits for.
     */
    eventLoopDelayMs: { p50: number; p99: number; max: number };
  };
  floor: { sendSeconds: number; messagePadChars: number };
  requests: {
    cycle: PhaseRequests;
    floor: PhaseRequests;
    /** Storage kinds whose per-device counts differ between the cycle and the floor. */
    floorVersusCycle: { kind: string; cycle: number; floor: number }[];
  };
  peakRssMiB: Record<'setup' | 'cycle' | 'floor', ProcessFigures> & {
    controlPlaneLifetime: number;
    /** False where peaks could not be reset per phase: each then covers the process's life so far. */
    perPhase: boolean;
  };
  compliance: {
    samples: number;
    errors: number;
    meanMs: number;
    maxMs: number;
    firstError?: string;
    /** The same request with nothing else running (before the cycle), 20 times in a row. */
    idle: { p50Ms: number; p99Ms: number; errors: number };
  };
  /**
   * CPU time of each process per device, and how many cores it kept busy on average (CPU time ÷
   * wall time): where the time goes. The cycle's control-plane CPU includes the probes it answered.
   */
  cpu: Record<'cycle' | 'floor', { msPerDevice: ProcessFigures; coresBusy: ProcessFigures }>;
}

export interface ProcessFigures {
  controlPlane: number;
  azurite: number;
  cosmos: number;
}

export interface RunResult {
  run: number;
  figures: RunFigures;
  details: RunDetails;
}

/** A run that did not finish: why, and how far it got. */
export interface RunFailure {
  run: number;
  error: string;
  /** For a set-up that ran out of time: disks written and devices imported by then. */
  setup?: FleetProgress;
  /** For a cycle that ran out of time: devices recorded, and the rate until then. */
  recorded?: number;
  elapsedSeconds?: number;
  restorePointsPerSecondSoFar?: number;
}

export interface SizeResult {
  devices: number;
  /** The runs that finished. */
  runs: RunResult[];
  failures: RunFailure[];
  /**
   * The median of each figure over the finished runs (each ratio is from one run; this is their
   * median); undefined when none finished.
   */
  median: RunFigures | undefined;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: number;
  met: boolean;
}

export interface BenchmarkReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  commit: CommitInfo;
  settings: Record<string, unknown>;
  sizes: SizeResult[];
  /** The targets, checked at N = 50,000 (or, marked indicative, at the largest N run). */
  targets: { appliesAt: number; measuredAt: number; indicative: boolean; checks: TargetCheck[] } | undefined;
}

export interface BenchmarkOutcome {
  report: BenchmarkReport;
  jsonFile: string;
  markdownFile: string;
  table: string;
}

const mebibyte = 1024;
/** Compliance requests made before the cycle, one after another. */
const idleComplianceSamples = 20;
const targetDevices = 50_000;

export async function runBenchmark(options: BenchmarkOptions = {}): Promise<BenchmarkOutcome> {
  const sizes = options.devices ?? defaultDeviceCounts;
  for (const n of sizes)
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`Fleet sizes must be whole numbers ≥ 1; got ${n}`);
  const settings = {
    concurrency: options.concurrency ?? 16,
    diskBytes: options.diskBytes ?? 64 * 1024,
    probeIntervalMs: options.probeIntervalMs ?? 100,
    worker: options.worker ?? {},
    queueHost: { visibilityTimeoutInMs: 60_000, minPollIntervalInMs: 20, maxPollIntervalInMs: 200 },
    diskCreateConcurrency: 32,
    runs: options.runs ?? 'default: 3 for N ≤ 10,000, 1 above',
    timeoutMs: options.timeoutMs
      ? 'set by the caller'
      : 'default: 60 s + 100 ms per device, for the set-up, the cycle and the floor each',
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = options.timeoutMs ?? ((n: number) => 60_000 + n * 100);
  const resultsDir = options.resultsDir ?? defaultResultsDir;
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const savedEnv = { ...process.env };

  const results: SizeResult[] = [];
  try {
    for (const devices of sizes) {
      const runs = options.runs ?? (devices <= 10_000 ? 3 : 1);
      const sizeRuns: RunResult[] = [];
      const failures: RunFailure[] = [];
      for (let run = 1; run <= runs; run += 1) {
        log(`[bench] N=${devices} run ${run}/${runs}`);
        let result: RunResult;
        try {
          result = await runOnce(devices, run, { ...settings, timeoutMs: timeoutMs(devices), log });
        } catch (err) {
          // One run failing (most often: out of time) does not lose the others' figures.
          const failure = runFailure(run, err);
          log(`[bench] N=${devices} run ${run}/${runs} failed: ${failure.error}`);
          failures.push(failure);
          continue;
        }
        const f = result.figures;
        log(
          `[bench] N=${devices} run ${run}/${runs}: cycle ${f.cycleSeconds.toFixed(1)} s (${f.restorePointsPerSecond.toFixed(1)}/s), ` +
            `floor ${f.floorSeconds.toFixed(1)} s (${f.floorRestorePointsPerSecond.toFixed(1)}/s), ratio ${f.cycleToFloorRatio.toFixed(2)}, ` +
            `Cosmos ${f.cosmosRequestsPerDevice.toFixed(2)}/device, compliance p99 ${f.complianceP99Ms.toFixed(0)} ms`,
        );
        sizeRuns.push(result);
      }
      results.push({
        devices,
        runs: sizeRuns,
        failures,
        median: sizeRuns.length > 0 ? medianOfEach(sizeRuns.map((r) => r.figures)) : undefined,
      });
    }
  } finally {
    restoreEnv(savedEnv);
    await resetServices();
  }

  const report: BenchmarkReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(loadAtStart),
    commit: commitInfo(join(__dirname, '..')),
    settings,
    sizes: results,
    targets: checkTargets(results),
  };
  await mkdir(resultsDir, { recursive: true });
  const jsonFile = join(resultsDir, resultFileName(startedAt));
  const markdownFile = join(resultsDir, 'latest.md');
  await writeFile(jsonFile, await formatJson(report, jsonFile));
  await writeFile(markdownFile, formatMarkdown(report, jsonFile));
  return { report, jsonFile, markdownFile, table: formatTable(report) };
}

interface RunSettings {
  concurrency: number;
  diskBytes: number;
  probeIntervalMs: number;
  worker: RestorePointWorkerOptions;
  queueHost: { visibilityTimeoutInMs: number; minPollIntervalInMs: number; maxPollIntervalInMs: number };
  diskCreateConcurrency: number;
  timeoutMs: number;
  log: (line: string) => void;
}

const hourMs = 3_600_000;

async function runOnce(devices: number, run: number, settings: RunSettings): Promise<RunResult> {
  const seconds = (ms: number) => ms / 1000;
  const dataDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-'));
  const emulatorsStarted = performance.now();
  const emulators = await startEmulators(dataDir);
  const emulatorsMs = performance.now() - emulatorsStarted;
  let counter: RequestCounter | undefined;
  let httpHost: HttpHost | undefined;
  let queueHost: QueueHost | undefined;
  try {
    const httpPort = await freePort();
    const ports = { ...emulators.ports, http: httpPort };
    const env: Record<string, string> = {
      ...localSettings(ports, dataDir),
      [SettingNames.cosmosDatabase]: `bench-${randomUUID()}`,
    };
    Object.assign(process.env, env);
    await resetServices();
    const cosmos = createCosmosClient(services().config.cosmos.connection);
    await ensureCosmosSchema(cosmos, services().config.cosmos.database);
    cosmos.dispose();

    const registeredAt = Math.floor(Date.now() / 1000) * 1000;
    const clock = new BenchClock(registeredAt);
    const events = new EventRecorder();
    const workerLog = new WorkerLog();
    installServices({ clock, events, worker: settings.worker });
    const { config } = services();

    counter = new RequestCounter(
      new Map<number, Destination>([
        [ports.blob, 'blob'],
        [ports.queue, 'queue'],
        [ports.table, 'table'],
        [ports.cosmos, 'cosmos'],
        [ports.http, 'http'],
      ]),
    );
    // What the control plane does to answer the probe is the probe's, not the cycle's.
    const probeTagged = httpFunctions().map((fn): HttpFunction => ({
      ...fn,
      handler: (request, context) => tagged('probe', () => fn.handler(request, context)),
    }));
    httpHost = await startHttpHost(probeTagged, { port: httpPort });
    const tenantId = randomUUID();
    const token = await signLocalToken(await loadLocalSigningKey(dataDir), {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      tenantId,
      roles: ['DR.Reader'],
      expiresInSeconds: 7 * 24 * 3600,
    });

    // Fleet set-up: not the cycle, but timed.
    const ids = deviceIds(devices);
    const storage = JSON.parse(env[SettingNames.regionStorage]!) as Record<string, string>;
    const progress: FleetProgress = { disks: 0, imported: 0 };
    const setupStarted = performance.now();
    let disksMs = 0;
    const setup = async () => {
      await createDisks(
        BlobServiceClient.fromConnectionString(storage[LocalRegions.primary]!),
        ids,
        settings.diskBytes,
        settings.diskCreateConcurrency,
        progress,
      );
      disksMs = performance.now() - setupStarted;
      await createTenant(tenantId, devices);
      await importDevices(tenantId, ids, progress);
    };
    await withDeadline(
      setup(),
      settings.timeoutMs,
      () => new SetupTimeoutError({ ...progress }, devices, performance.now() - setupStarted),
    );
    const importStarted = setupStarted + disksMs;
    const importMs = performance.now() - importStarted;
    settings.log(
      `[bench]   set-up: emulators ${seconds(emulatorsMs).toFixed(1)} s, ${devices} disks ${seconds(disksMs).toFixed(1)} s, import ${seconds(importMs).toFixed(1)} s`,
    );

    const worker = registeredFunctions().filter(
      (f): f is QueueFunction => f.kind === 'queue' && f.name === 'takeRestorePoint',
    );
    if (worker.length !== 1) throw new Error('The takeRestorePoint queue worker is not registered');
    queueHost = await startQueueHost({
      connection: config.workQueue.connection,
      functions: worker,
      options: { maxConcurrentCalls: settings.concurrency, ...settings.queueHost },
      log: workerLog.handler,
    });

    const pids = {
      controlPlane: 'self' as const,
      azurite: emulators.azurite.pid!,
      cosmos: emulators.cosmos.pid!,
    };
    const readPeaks = () => ({
      controlPlane: (peakRssKiB(pids.controlPlane) ?? process.resourceUsage().maxRSS) / mebibyte,
      azurite: (peakRssKiB(pids.azurite) ?? 0) / mebibyte,
      cosmos: (peakRssKiB(pids.cosmos) ?? 0) / mebibyte,
    });
    const resetPeaks = () =>
      [pids.controlPlane, pids.azurite, pids.cosmos].map((pid) => resetPeakRss(pid)).every(Boolean);
    const setupPeaks = readPeaks();
    const readCpu = () => ({
      controlPlane: cpuTimeMs(pids.controlPlane) ?? 0,
      azurite: cpuTimeMs(pids.azurite) ?? 0,
      cosmos: cpuTimeMs(pids.cosmos) ?? 0,
    });
    const cpuSince = (start: ReturnType<typeof readCpu>, wallMs: number) => {
      const end = readCpu();
      const used = {
        controlPlane: end.controlPlane - start.controlPlane,
        azurite: end.azurite - start.azurite,
        cosmos: end.cosmos - start.cosmos,
      };
      return {
        msPerDevice: roundAll(
          {
            controlPlane: used.controlPlane / devices,
            azurite: used.azurite / devices,
            cosmos: used.cosmos / devices,
          },
          2,
        ),
        coresBusy: roundAll(
          {
            controlPlane: used.controlPlane / wallMs,
            azurite: used.azurite / wallMs,
            cosmos: used.cosmos / wallMs,
          },
          2,
        ),
      };
    };

    // The report's latency with nothing else running, to compare with its latency during the cycle.
    const complianceUrl = `http://127.0.0.1:${httpPort}/api/tenants/${tenantId}/compliance?pageSize=50`;
    await sampleCompliance(complianceUrl, token, 2); // warm-up: key set, query plans
    const idle = await sampleCompliance(complianceUrl, token, idleComplianceSamples);

    // The cycle, with the compliance report probed over HTTP while it runs.
    const perPhase = resetPeaks();
    const dueAt = registeredAt + hourMs;
    const cycleCpuStart = readCpu();
    const eventLoop = monitorEventLoopDelay({ resolution: 10 });
    eventLoop.enable();
    counter.begin();
    const probe = startComplianceProbe(complianceUrl, token, settings.probeIntervalMs);
    let cycle: CycleMeasurement;
    let probed: ProbeResult;
    try {
      cycle = await runCycle({
        tenantId,
        devices,
        clock,
        dueAt,
        events,
        timeoutMs: settings.timeoutMs,
      });
    } finally {
      probed = await probe.stop();
    }
    // Handlers still running (the last devices' retention pass, message deletes) belong to the cycle.
    await queueHost.stop();
    queueHost = undefined;
    const cycleTally = counter.end();
    const cycleCpu = cpuSince(cycleCpuStart, cycle.wallMs);
    eventLoop.disable();
    const nsToMs = (ns: number) => round(ns / 1e6, 1);
    const eventLoopDelayMs = {
      p50: nsToMs(eventLoop.percentile(50)),
      p99: nsToMs(eventLoop.percentile(99)),
      max: nsToMs(eventLoop.max),
    };
    const cyclePeaks = readPeaks();
    settings.log(
      `[bench]   cycle: ${seconds(cycle.wallMs).toFixed(1)} s, first after ${seconds(cycle.firstMs).toFixed(2)} s, dispatch ${seconds(cycle.schedulerMs).toFixed(1)} s`,
    );

    const backup = BlobServiceClient.fromConnectionString(storage[LocalRegions.backup]!);
    const verifiedInBackupRegion = await tagged('check', () => countVerifiedPoints(backup));
    if (verifiedInBackupRegion < devices) {
      throw new Error(
        `Only ${verifiedInBackupRegion} of ${devices} devices have a verified restore point in ${LocalRegions.backup}`,
      );
    }
    // Azurite's cost per request grows with the blobs in the account: the floor starts from the
    // storage the cycle started from, without the cycle's N points in the backup account.
    await tagged('check', () => backup.getContainerClient(restorePointsContainerName).delete());

    // The floor, on the same emulators, with nothing of the control plane running.
    await prepareFloor(env);
    // The floor's messages are made as large as the cycle's were (the scheduler may carry more than the request).
    const cycleSends = cycleTally.byKind['queue:send'] ?? 0;
    const cycleSendBytes = cycleSends > 0 ? (cycleTally.bytesByKind['queue:send'] ?? 0) / cycleSends : 0;
    const padChars = await calibrateFloorSend(
      env,
      floorMessage(tenantId, ids[0]!, new Date(dueAt), 0),
      cycleSendBytes,
      async (send) => {
        counter!.begin();
        await send();
        return counter!.end().bytesByKind['queue:send'] ?? 0;
      },
    );
    resetPeaks();
    const floorCpuStart = readCpu();
    counter.begin();
    const floor = await runFloor({
      settings: env,
      tenantId,
      ids,
      takenAt: new Date(dueAt),
      concurrency: settings.concurrency,
      ...settings.queueHost,
      timeoutMs: settings.timeoutMs,
      padChars,
    });
    const floorTally = counter.end();
    const floorCpu = cpuSince(floorCpuStart, floor.wallMs);
    const floorPeaks = readPeaks();
    settings.log(
      `[bench]   floor: ${seconds(floor.wallMs).toFixed(1)} s, first after ${seconds(floor.firstMs).toFixed(2)} s`,
    );

    const latencies = probed.latenciesMs;
    const throughput = devices / seconds(cycle.wallMs);
    const floorThroughput = devices / seconds(floor.wallMs);
    const cycleRequests = phaseRequests(cycleTally, devices);
    const floorRequests = phaseRequests(floorTally, devices);
    const storageOf = (r: PhaseRequests) => r.perDevice.blob + r.perDevice.queue + r.perDevice.table;
    const figures: RunFigures = {
      cycleSeconds: round(seconds(cycle.wallMs)),
      timeToFirstSeconds: round(seconds(cycle.firstMs)),
      restorePointsPerSecond: round(throughput),
      floorSeconds: round(seconds(floor.wallMs)),
      floorTimeToFirstSeconds: round(seconds(floor.firstMs)),
      floorRestorePointsPerSecond: round(floorThroughput),
      cycleToFloorRatio: round(throughput / floorThroughput),
      cosmosRequestsPerDevice: round(cycleRequests.perDevice.cosmos),
      storageRequestsPerDevice: round(storageOf(cycleRequests)),
      floorStorageRequestsPerDevice: round(storageOf(floorRequests)),
      controlPlanePeakRssMiB: round(cyclePeaks.controlPlane, 1),
      azuritePeakRssMiB: round(cyclePeaks.azurite, 1),
      cosmosPeakRssMiB: round(cyclePeaks.cosmos, 1),
      complianceP50Ms: round(percentile(latencies, 50) ?? Number.NaN, 1),
      complianceP99Ms: round(percentile(latencies, 99) ?? Number.NaN, 1),
      complianceSamples: latencies.length,
      fleetSetupSeconds: round(seconds(disksMs + importMs)),
      oneHourRpoShare: round(seconds(cycle.wallMs) / 3600, 4),
      devicesPerHourAtThisRate: Math.round(throughput * 3600),
    };
    const details: RunDetails = {
      setup: {
        emulatorsSeconds: round(seconds(emulatorsMs)),
        disksSeconds: round(seconds(disksMs)),
        importSeconds: round(seconds(importMs)),
        importDevicesPerSecond: round(devices / seconds(importMs)),
      },
      cycle: {
        schedulerSeconds: round(seconds(cycle.schedulerMs)),
        dispatched: cycle.dispatched,
        timedBy: cycle.timedBy,
        summaryAllVerifiedSeconds: round(seconds(cycle.summaryAllVerifiedMs)),
        verifiedInBackupRegion,
        workerOutcomes: workerLog.outcomes,
        events: events.counts,
        failures: events.failures,
        workerProblems: workerLog.problems,
        eventLoopDelayMs,
        ...(workerLog.firstProblem ? { firstWorkerProblem: workerLog.firstProblem } : {}),
      },
      floor: { sendSeconds: round(seconds(floor.sendMs)), messagePadChars: padChars },
      requests: {
        cycle: cycleRequests,
        floor: floorRequests,
        floorVersusCycle: storageDifferences(cycleRequests, floorRequests),
      },
      peakRssMiB: {
        setup: roundAll(setupPeaks),
        cycle: roundAll(cyclePeaks),
        floor: roundAll(floorPeaks),
        controlPlaneLifetime: round(process.resourceUsage().maxRSS / mebibyte, 1),
        perPhase,
      },
      cpu: { cycle: cycleCpu, floor: floorCpu },
      compliance: {
        samples: latencies.length,
        errors: probed.errors,
        meanMs: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 1),
        maxMs: round(Math.max(0, ...latencies), 1),
        ...(probed.firstError ? { firstError: probed.firstError } : {}),
        idle: {
          p50Ms: round(percentile(idle.latenciesMs, 50) ?? Number.NaN, 1),
          p99Ms: round(percentile(idle.latenciesMs, 99) ?? Number.NaN, 1),
          errors: idle.errors,
        },
      },
    };
    return { run, figures, details };
  } finally {
    await queueHost?.stop();
    await httpHost?.close();
    counter?.close();
    await resetServices();
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function runFailure(run: number, err: unknown): RunFailure {
  const error = ensureErrorType(err);
  if (error instanceof SetupTimeoutError) return { run, error: error.message, setup: error.progress };
  if (!(error instanceof CycleTimeoutError)) return { run, error: error.message };
  return {
    run,
    error: error.message,
    recorded: error.recorded,
    elapsedSeconds: round(error.elapsedMs / 1000),
    restorePointsPerSecondSoFar: round(error.recorded / (error.elapsedMs / 1000)),
  };
}

function phaseRequests(tally: RequestTally, devices: number): PhaseRequests {
  return {
    perDevice: roundAll(perDevice(tally.byDestination, devices), 4),
    perDeviceByKind: roundAll(perDevice(tally.byKind, devices), 4),
    meanBytesByKind: Object.fromEntries(
      Object.entries(tally.bytesByKind).map(([kind, bytes]) => [
        kind,
        Math.round(bytes / (tally.byKind[kind] ?? 1)),
      ]),
    ),
    total: tally.total,
    excluded: tally.excluded,
  };
}

/** Blob and queue kinds whose per-device counts differ by more than 0.01 between cycle and floor. */
function storageDifferences(
  cycle: PhaseRequests,
  floor: PhaseRequests,
): { kind: string; cycle: number; floor: number }[] {
  const kinds = new Set(
    [...Object.keys(cycle.perDeviceByKind), ...Object.keys(floor.perDeviceByKind)].filter(
      (k) => !k.startsWith('cosmos:') && !k.startsWith('http:'),
    ),
  );
  return [...kinds]
    .sort()
    .map((kind) => ({
      kind,
      cycle: cycle.perDeviceByKind[kind] ?? 0,
      floor: floor.perDeviceByKind[kind] ?? 0,
    }))
    .filter((d) => Math.abs(d.cycle - d.floor) > 0.01);
}

/** Verified restore points in the backup region's container (what the cycle must have produced). */
async function countVerifiedPoints(backup: BlobServiceClient): Promise<number> {
  let verified = 0;
  for await (const item of backup
    .getContainerClient(restorePointsContainerName)
    .listBlobsFlat({ includeMetadata: true })) {
    if (item.metadata?.['verified'] === 'true') verified += 1;
  }
  return verified;
}

function checkTargets(sizes: readonly SizeResult[]): BenchmarkReport['targets'] {
  const measured = sizes.filter((s) => s.median !== undefined);
  const at =
    measured.find((s) => s.devices === targetDevices) ??
    [...measured].sort((a, b) => b.devices - a.devices)[0];
  if (!at?.median) return undefined;
  const m = at.median;
  return {
    appliesAt: targetDevices,
    measuredAt: at.devices,
    indicative: at.devices !== targetDevices,
    checks: [
      {
        name: 'throughput ÷ floor',
        target: '≥ 0.7',
        value: m.cycleToFloorRatio,
        met: m.cycleToFloorRatio >= 0.7,
      },
      {
        name: 'compliance p99 while the cycle runs',
        target: '< 100 ms',
        value: m.complianceP99Ms,
        met: m.complianceP99Ms < 100,
      },
      {
        name: 'control-plane peak RSS',
        target: '< 1024 MiB',
        value: m.controlPlanePeakRssMiB,
        met: m.controlPlanePeakRssMiB < 1024,
      },
      {
        name: 'Cosmos requests per device per cycle',
        target: '≤ 3',
        value: m.cosmosRequestsPerDevice,
        met: m.cosmosRequestsPerDevice <= 3,
      },
    ],
  };
}

/** Indented JSON as the repository's Prettier settings print it, so `npm run format` leaves results alone. */
async function formatJson(value: unknown, file: string): Promise<string> {
  const json = `${JSON.stringify(value, null, 2)}\n`;
  try {
    return await prettier.format(json, { ...(await prettier.resolveConfig(file)), parser: 'json' });
  } catch {
    return json;
  }
}

function roundAll<T extends Record<string, number>>(values: T, digits = 1): T {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, digits)])) as T;
}

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}
