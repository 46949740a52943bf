/**
 * The benchmark of the protection cycle against the embedded runtime, as a function the CLI
 * (`bench/run.ts`) and the smoke test (`test/bench/bench.test.ts`) both call.
 *
 * Each run of each fleet size starts from fresh emulators: Azurite (two region accounts) and the
 * Cosmos DB emulator as child processes, the control plane in this process (services, the
 * registered queue worker behind the local queue host, the HTTP routes behind the local HTTP host).
 * A run: fleet set-up (disks, tenant, policy, import) → the cycle, with the compliance report probed
 * over HTTP meanwhile → the activation of the primary region and its deactivation, over HTTP, with
 * the orchestration driver and the recovery worker running and the activation's status probed →
 * optionally, one more activation with provisioning latency and limited capacity → the floors of
 * the activation and of the cycle, the same storage and queue calls issued bare → figures. A run
 * can be limited to one half (`only`): the cycle and its floor, or the activation's phases.
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
import type { SimulatedComputeProvider } from '../src/adapters/compute/SimulatedComputeProvider';
import type { RestorePointWorkerOptions } from '../src/app/RestorePointWorker';
import { installServices, resetServices, services } from '../src/compositionRoot';
import { ensureErrorType } from '../src/domain/errors';
import {
  httpFunctions,
  registeredFunctions,
  type HttpFunction,
  type QueueFunction,
} from '../src/functions/registry';
import { taskHubResourceNames } from '../src/local/durable/openTaskHub';
import { freePort } from '../src/local/emulators/freePort';
import { startHttpHost, type HttpHost } from '../src/local/httpHost';
import { LocalRegions, localSettings } from '../src/local/localSettings';
import { startQueueHost, type QueueHost } from '../src/local/queueHost';
import { SettingNames } from '../src/settingNames';
import '../src/functions';
import {
  checkCreations,
  nonZero,
  resetBackupAccount,
  runActivation,
  runDeactivation,
  startActivationRuntime,
  temporaryDevicesLeft,
  waveTimes,
  type ActivationApi,
  type ActivationRuntime,
  type ActivationStatus,
  type CreationCheck,
  type WaveTimes,
} from './activation';
import { prepareActivationFloor, runActivationFloor } from './activationFloor';
import { seedRestorePoints } from './seedPoints';
import { sampleCompliance, startComplianceProbe, type ProbeResult } from './complianceProbe';
import {
  BenchClock,
  CycleTimeoutError,
  EventRecorder,
  runCycle,
  WorkerLog,
  type CycleMeasurement,
} from './cycle';
import { describeError } from './describeError';
import { cpuTimeMs, machineStealMs, peakRssKiB, resetPeakRss, startEmulators } from './emulators';
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
  fixed,
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
   * With either set, one more activation after the deactivation, with the simulated provider's
   * `provisioningMs` (default 0) and `capacity` (default unlimited) in the backup region: its
   * measured RTO goes into the details and the notes.
   */
  activationLatencyMs?: number;
  activationCapacity?: number;
  /**
   * Longest wait for each of the fleet set-up, the cycle and the floor of one run.
   * Default 60 s + 100 ms per device.
   */
  timeoutMs?: (devices: number) => number;
  /**
   * One half of each run: `cycle` is the set-up, the cycle and the cycle's floor; `activation` is
   * the set-up, the cycle (measured, and the source of the restore points), the activation, the
   * deactivation and the activation's floor. Default: the whole run. Each ratio still comes from
   * one run; the halves make a run at N = 50,000 fit in a sitting.
   */
  only?: 'cycle' | 'activation';
  /** Progress lines; to stderr by default. */
  log?: (line: string) => void;
}

/** The cycle's headline figures; all finite and positive. */
export interface CycleFigures {
  cycleSeconds: number;
  timeToFirstSeconds: number;
  restorePointsPerSecond: number;
  cosmosRequestsPerDevice: number;
  /** Blob, queue and table requests of the cycle, per device. */
  storageRequestsPerDevice: number;
  controlPlanePeakRssMiB: number;
  azuritePeakRssMiB: number;
  cosmosPeakRssMiB: number;
  complianceP50Ms: number;
  complianceP99Ms: number;
  complianceSamples: number;
  /** Cycle time as a share of a 1-hour RPO window. */
  oneHourRpoShare: number;
  /** Restore points one control plane takes per hour at this rate: the fleet a 1-hour RPO allows. */
  devicesPerHourAtThisRate: number;
}

/** The figures of the cycle's floor, and the cycle's ratio to it. */
export interface CycleFloorFigures {
  floorSeconds: number;
  floorTimeToFirstSeconds: number;
  floorRestorePointsPerSecond: number;
  /** Cycle throughput ÷ floor throughput, both from this run. */
  cycleToFloorRatio: number;
  floorStorageRequestsPerDevice: number;
}

/** The figures of the activation, the deactivation and the activation's floor. */
export interface ActivationFigures {
  /** From the POST of the activation to its state `completed`; N ÷ that time. */
  activationSeconds: number;
  activationTimeToFirstSeconds: number;
  activationDevicesPerSecond: number;
  /** Request to last device recovered, as the activation's report gives it (`rtoSeconds`). */
  activationRtoSeconds: number;
  activationFloorSeconds: number;
  activationFloorDevicesPerSecond: number;
  /** Activation throughput ÷ its floor's, both from this run. */
  activationToFloorRatio: number;
  activationCosmosRequestsPerDevice: number;
  activationStorageRequestsPerDevice: number;
  activationFloorStorageRequestsPerDevice: number;
  activationControlPlanePeakRssMiB: number;
  activationAzuritePeakRssMiB: number;
  activationCosmosPeakRssMiB: number;
  /** `GET .../activations/{id}` while the activation runs. */
  activationStatusP50Ms: number;
  activationStatusP99Ms: number;
  activationStatusSamples: number;
  /**
   * 50,000 devices at this activation rate, as a share of Windows 365's 4-hour RTO (a fraction;
   * extrapolated unless N = 50,000).
   */
  fourHourRtoShareAt50k: number;
  /** From the POST of the deactivation to its state `deactivated`; N ÷ that time. */
  deactivationSeconds: number;
  deactivationDevicesPerSecond: number;
  deactivationCosmosRequestsPerDevice: number;
  deactivationStorageRequestsPerDevice: number;
}

/**
 * Every headline figure of one run. A run that leaves phases out (`BenchmarkOptions.only`) has
 * none of their figures.
 */
export type RunFigures = { fleetSetupSeconds: number } & Partial<CycleFigures> &
  Partial<CycleFloorFigures> &
  Partial<ActivationFigures>;

export interface PhaseRequests {
  perDevice: Record<Destination, number>;
  perDeviceByKind: Record<string, number>;
  /** Storage requests by container, queue or table and operation (`blob:restore-points:snapshot`). */
  perDeviceByResource: Record<string, number>;
  /** Of the storage requests, those of the orchestration driver's task hub (its table and queues). */
  taskHubPerDevice: number;
  /** Mean request body bytes by kind. */
  meanBytesByKind: Record<string, number>;
  total: number;
  /** Re-sends by the SDKs' retry policies during the phase, by kind (not in the counts above). */
  retriesByKind: Record<string, number>;
  /** Requests of the benchmark's own probes during the phase (not in the counts above). */
  excluded: RequestTally['excluded'];
}

export interface RunDetails {
  setup: {
    emulatorsSeconds: number;
    disksSeconds: number;
    importSeconds: number;
    importDevicesPerSecond: number;
    /** The activation's half alone (`only: 'activation'`): seeding one verified point per device. */
    seedSeconds?: number;
  };
  /** This and each part below for a phase is absent when the run left the phase out. */
  cycle?: {
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
  floor?: { sendSeconds: number; messagePadChars: number };
  activation?: ActivationDetails;
  deactivation?: DeactivationDetails;
  activationFloor?: { sendSeconds: number };
  /** The activation with provisioning latency and limited capacity, when asked for (or why it failed). */
  realistic?: RealisticActivation | { error: string };
  requests: {
    cycle?: PhaseRequests;
    floor?: PhaseRequests;
    /** Storage kinds whose per-device counts differ between the cycle and the floor. */
    floorVersusCycle?: KindDifference[];
    activation?: PhaseRequests;
    deactivation?: PhaseRequests;
    activationFloor?: PhaseRequests;
    /** Storage kinds whose per-device counts differ between the activation and its floor. */
    floorVersusActivation?: KindDifference[];
    /** The same without the task hub's requests: the recovery path's own calls against the floor's. */
    floorVersusRecoveryPath?: KindDifference[];
  };
  peakRssMiB: Record<'setup', ProcessFigures> &
    Partial<Record<Phase, ProcessFigures>> & {
      controlPlaneLifetime: number;
      /** False where peaks could not be reset per phase: each then covers the process's life so far. */
      perPhase: boolean;
    };
  compliance?: {
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
  cpu: Partial<Record<Exclude<Phase, 'setup'>, PhaseCpu>>;
}

type Phase = 'setup' | 'cycle' | 'floor' | 'activation' | 'deactivation' | 'activationFloor';

interface PhaseCpu {
  msPerDevice: ProcessFigures;
  coresBusy: ProcessFigures;
  /** Cores' worth of time the hypervisor gave to other guests (steal), on average; absent off Linux. */
  stolenCores?: number;
}

export interface KindDifference {
  kind: string;
  /** Per device in the product's phase (the cycle or the activation), and in its floor. */
  cycle: number;
  floor: number;
}

export interface StatusProbeDetails {
  samples: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  firstError?: string;
}

export interface ActivationDetails {
  activationId: string;
  /** Where the end came from: the product's `activation.completed` event, or the status URL. */
  timedBy: string;
  /** Non-zero device counts by state at the end. */
  counts: Record<string, number>;
  /** From the request to every task planned (the report's `plannedAt`): before the first wave. */
  planningSeconds: number;
  /** Per wave (a priority tier): devices, start to end, start after the request (the report's times). */
  waves: WaveTimes[];
  /**
   * Tasks the driver re-dispatched as left by an older epoch (`activation.redispatched`): 0 with
   * one driver and no adoption.
   */
  redispatchedTasks: number;
  /** From the POST to the last `recovery.recovered`. */
  lastRecoveredSeconds: number;
  recoveredEvents: number;
  /** The provider's creations of this activation's temporary devices: N names, each once. */
  creations: CreationCheck;
  workerOutcomes: Record<string, number>;
  workerProblems: number;
  firstWorkerProblem?: string;
  /** Warnings and errors the orchestration driver logged. */
  driverProblems: number;
  firstDriverProblem?: string;
  events: Record<string, number>;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  status: StatusProbeDetails;
}

export interface DeactivationDetails {
  timedBy: string;
  counts: Record<string, number>;
  /** The activation's temporary devices still in the backup region afterwards: must be 0. */
  temporaryDevicesLeft: number;
  workerOutcomes: Record<string, number>;
  workerProblems: number;
  firstWorkerProblem?: string;
  events: Record<string, number>;
  status: StatusProbeDetails;
}

export interface RealisticActivation {
  provisioningMs: number;
  /** Temporary devices the backup region may hold at once; null for unlimited. */
  capacity: number | null;
  /**
   * `completed`, or `capacity-exhausted`: every device dispatched so far is recovered or waiting
   * for capacity, which the simulated provider frees only on deactivation, so the run stops there.
   */
  outcome: 'completed' | 'capacity-exhausted';
  /** From the POST to the end (above). */
  wallSeconds: number;
  /** The measured RTO: from the POST to the last device recovered (null when none was). */
  rtoSeconds: number | null;
  /** The same as the activation's report gives it (request to last recovered), once completed. */
  reportRtoSeconds: number | null;
  firstSeconds: number | null;
  recovered: number;
  /** Devices recovered ÷ the measured RTO. */
  devicesPerSecond: number | null;
  counts: Record<string, number>;
  waves: WaveTimes[];
  creations: CreationCheck;
  workerOutcomes: Record<string, number>;
  redispatchedTasks: number;
  events: Record<string, number>;
  status: StatusProbeDetails;
  /** Cosmos and storage requests per device recovered. */
  cosmosRequestsPerDevice: number;
  storageRequestsPerDevice: number;
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
  /** The phases the run had done before it failed, each with its figures (as it checkpointed them). */
  phasesDone?: UnfinishedRun['phasesDone'];
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
  /**
   * Written after each run and each phase of a run, so a long benchmark stopped early keeps what it
   * measured: `currentRun` holds the figures of the phases the unfinished run has done.
   */
  inProgress?: { runsDone: number; runsPlanned: number; currentRun?: UnfinishedRun };
  machine: MachineInfo;
  commit: CommitInfo;
  settings: Record<string, unknown>;
  sizes: SizeResult[];
  /** The issue's targets, checked at N = 50,000 (or, marked indicative, at the largest N run). */
  targets: { appliesAt: number; measuredAt: number; indicative: boolean; checks: TargetCheck[] } | undefined;
}

export interface UnfinishedRun {
  devices: number;
  run: number;
  phasesDone: { phase: string; figures: Partial<RunFigures> }[];
}

export interface BenchmarkOutcome {
  report: BenchmarkReport;
  jsonFile: string;
  markdownFile: string;
  table: string;
}

const mebibyte = 1024;
/** Windows 365's recovery time objective for a region, against which the activation is set. */
const rtoWindowSeconds = 4 * 3600;
/** Compliance requests made before the cycle, one after another. */
const idleComplianceSamples = 20;
const targetDevices = 50_000;

export async function runBenchmark(options: BenchmarkOptions = {}): Promise<BenchmarkOutcome> {
  const sizes = options.devices ?? defaultDeviceCounts;
  for (const n of sizes)
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`Fleet sizes must be whole numbers ≥ 1; got ${n}`);
  const realistic =
    options.activationLatencyMs !== undefined || options.activationCapacity !== undefined
      ? {
          provisioningMs: options.activationLatencyMs ?? 0,
          capacity: options.activationCapacity ?? null,
        }
      : undefined;
  if (realistic && !(Number.isInteger(realistic.provisioningMs) && realistic.provisioningMs >= 0))
    throw new RangeError(`The activation latency must be a whole number of ms ≥ 0`);
  if (
    realistic &&
    realistic.capacity !== null &&
    !(Number.isInteger(realistic.capacity) && realistic.capacity >= 1)
  )
    throw new RangeError(`The activation capacity must be a whole number ≥ 1`);
  const settings = {
    concurrency: options.concurrency ?? 16,
    diskBytes: options.diskBytes ?? 64 * 1024,
    probeIntervalMs: options.probeIntervalMs ?? 100,
    worker: options.worker ?? {},
    queueHost: {
      visibilityTimeoutInMs: 60_000,
      minPollIntervalInMs: 20,
      maxPollIntervalInMs: 200,
      maxDeliveryCount: 10,
    },
    diskCreateConcurrency: 32,
    /** ACTIVATION_POLL_SECONDS: how often the drivers look at a wave's progress. */
    activationPollSeconds: 1,
    /** The extra activation with provisioning latency and limited capacity; null when not run. */
    realistic: realistic ?? null,
    only: options.only ?? null,
    runs: options.runs ?? 'default: 3 for N ≤ 10,000, 1 above',
    timeoutMs: options.timeoutMs
      ? 'set by the caller'
      : 'default: 60 s + 100 ms per device, for each of the set-up, the cycle, the activation, the deactivation and the two floors',
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = options.timeoutMs ?? ((n: number) => 60_000 + n * 100);
  const resultsDir = options.resultsDir ?? defaultResultsDir;
  const startedAt = new Date();
  const loadAtStart = loadavg();
  // Read once, before the first save: the report's own files would show as changes after it.
  const commit = commitInfo(join(__dirname, '..'));
  const savedEnv = { ...process.env };

  const results: SizeResult[] = [];
  const runsOf = (devices: number) => options.runs ?? (devices <= 10_000 ? 3 : 1);
  const runsPlanned = sizes.reduce((sum, devices) => sum + runsOf(devices), 0);
  let runsDone = 0;
  let currentRun: UnfinishedRun | undefined;
  await mkdir(resultsDir, { recursive: true });
  const jsonFile = join(resultsDir, resultFileName(startedAt));
  const markdownFile = join(resultsDir, 'latest.md');
  const save = async (sizesSoFar: SizeResult[], finished: boolean): Promise<BenchmarkReport> => {
    const report: BenchmarkReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ...(finished ? {} : { inProgress: { runsDone, runsPlanned, ...(currentRun ? { currentRun } : {}) } }),
      machine: machineInfo(loadAtStart),
      commit,
      settings,
      sizes: sizesSoFar,
      targets: checkTargets(sizesSoFar),
    };
    await writeFile(jsonFile, await formatJson(report, jsonFile));
    await writeFile(markdownFile, formatMarkdown(report, jsonFile));
    return report;
  };
  const sizeResult = (devices: number, sizeRuns: RunResult[], failures: RunFailure[]): SizeResult => ({
    devices,
    runs: sizeRuns,
    failures,
    median: sizeRuns.length > 0 ? medianOfEach(sizeRuns.map((r) => r.figures)) : undefined,
  });
  try {
    for (const devices of sizes) {
      const runs = runsOf(devices);
      const sizeRuns: RunResult[] = [];
      const failures: RunFailure[] = [];
      for (let run = 1; run <= runs; run += 1) {
        log(`[bench] N=${devices} run ${run}/${runs}`);
        const unfinished: UnfinishedRun = { devices, run, phasesDone: [] };
        currentRun = unfinished;
        const phaseDone = async (phase: string, figures: Partial<RunFigures>) => {
          unfinished.phasesDone.push({ phase, figures });
          await save([...results, sizeResult(devices, sizeRuns, failures)], false);
        };
        try {
          const result = await runOnce(devices, run, {
            ...settings,
            timeoutMs: timeoutMs(devices),
            log,
            phaseDone,
          });
          logRun(log, devices, run, runs, result.figures);
          sizeRuns.push(result);
        } catch (err) {
          // One run failing (most often: out of time) loses neither the others' figures nor its
          // own phases done.
          const failure: RunFailure = {
            ...runFailure(run, err),
            ...(unfinished.phasesDone.length > 0 && { phasesDone: unfinished.phasesDone }),
          };
          log(`[bench] N=${devices} run ${run}/${runs} failed: ${failure.error}`);
          failures.push(failure);
        }
        runsDone += 1;
        currentRun = undefined;
        if (runsDone < runsPlanned) await save([...results, sizeResult(devices, sizeRuns, failures)], false);
      }
      results.push(sizeResult(devices, sizeRuns, failures));
    }
  } finally {
    restoreEnv(savedEnv);
    await resetServices();
  }

  const report = await save(results, true);
  return { report, jsonFile, markdownFile, table: formatTable(report) };
}

function logRun(
  log: (line: string) => void,
  devices: number,
  run: number,
  runs: number,
  f: RunFigures,
): void {
  const parts: string[] = [];
  if (f.cycleSeconds !== undefined)
    parts.push(
      `cycle ${fixed(f.cycleSeconds, 1)} s (${fixed(f.restorePointsPerSecond, 1)}/s), ` +
        `Cosmos ${fixed(f.cosmosRequestsPerDevice, 2)}/device, compliance p99 ${fixed(f.complianceP99Ms, 0)} ms`,
    );
  if (f.floorSeconds !== undefined)
    parts.push(
      `floor ${fixed(f.floorSeconds, 1)} s (${fixed(f.floorRestorePointsPerSecond, 1)}/s), ratio ${fixed(f.cycleToFloorRatio, 2)}`,
    );
  if (f.activationSeconds !== undefined)
    parts.push(
      `activation ${fixed(f.activationSeconds, 1)} s (${fixed(f.activationDevicesPerSecond, 1)}/s), ` +
        `floor ${fixed(f.activationFloorSeconds, 1)} s (${fixed(f.activationFloorDevicesPerSecond, 1)}/s), ratio ${fixed(f.activationToFloorRatio, 2)}, ` +
        `deactivation ${fixed(f.deactivationSeconds, 1)} s (${fixed(f.deactivationDevicesPerSecond, 1)}/s)`,
    );
  log(`[bench] N=${devices} run ${run}/${runs}: ${parts.join('; ')}`);
}

interface RunSettings {
  concurrency: number;
  only: 'cycle' | 'activation' | null;
  activationPollSeconds: number;
  realistic: { provisioningMs: number; capacity: number | null } | null;
  diskBytes: number;
  probeIntervalMs: number;
  worker: RestorePointWorkerOptions;
  queueHost: {
    visibilityTimeoutInMs: number;
    minPollIntervalInMs: number;
    maxPollIntervalInMs: number;
    maxDeliveryCount: number;
  };
  diskCreateConcurrency: number;
  timeoutMs: number;
  log: (line: string) => void;
  /** Saves a phase's figures as soon as the phase is done (see `BenchmarkReport.inProgress`). */
  phaseDone: (phase: string, figures: Partial<RunFigures>) => Promise<void>;
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
  let activationRuntime: ActivationRuntime | undefined;
  try {
    const httpPort = await freePort();
    const ports = { ...emulators.ports, http: httpPort };
    const env: Record<string, string> = {
      ...localSettings(ports, dataDir),
      [SettingNames.cosmosDatabase]: `bench-${randomUUID()}`,
      [SettingNames.activationPollSeconds]: String(settings.activationPollSeconds),
      // The provider at zero latency, unlimited; the realistic activation sets its own.
      [SettingNames.simulatedCompute]: '{}',
    };
    Object.assign(process.env, env);
    await resetServices();
    const cosmos = createCosmosClient(services().config.cosmos.connection);
    await ensureCosmosSchema(cosmos, services().config.cosmos.database);
    cosmos.dispose();

    // Registered two hours ago, so the cycle (one hour after registration) is in the past by the
    // time the activation runs on the system's own clock, as its wall-clock records need.
    const registeredAt = Math.floor(Date.now() / 1000) * 1000 - 2 * hourMs;
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
    // What the control plane does to answer the probes is the probes', not the phase's; the
    // requests to activate and deactivate are the phase's own.
    const phaseRoutes = new Set(['activateRecovery', 'deactivateRecovery']);
    const probeTagged = httpFunctions().map((fn): HttpFunction =>
      phaseRoutes.has(fn.name)
        ? fn
        : { ...fn, handler: (request, context) => tagged('probe', () => fn.handler(request, context)) },
    );
    httpHost = await startHttpHost(probeTagged, { port: httpPort });
    const tenantId = randomUUID();
    const token = await signLocalToken(await loadLocalSigningKey(dataDir), {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      tenantId,
      roles: ['DR.Reader'],
      expiresInSeconds: 7 * 24 * 3600,
    });
    const operatorToken = await signLocalToken(await loadLocalSigningKey(dataDir), {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      tenantId,
      roles: ['DR.Operator'],
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
    const fleetSetupSeconds = round(seconds(disksMs + importMs));
    settings.log(
      `[bench]   set-up: emulators ${seconds(emulatorsMs).toFixed(1)} s, ${devices} disks ${seconds(disksMs).toFixed(1)} s, import ${seconds(importMs).toFixed(1)} s`,
    );

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
      steal: machineStealMs(),
    });
    const cpuSince = (start: ReturnType<typeof readCpu>, wallMs: number): PhaseCpu => {
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
        ...(end.steal !== undefined &&
          start.steal !== undefined && { stolenCores: round((end.steal - start.steal) / wallMs, 2) }),
      };
    };

    const perPhase = resetPeaks();
    const dueAt = registeredAt + hourMs;
    const backup = BlobServiceClient.fromConnectionString(storage[LocalRegions.backup]!);
    const requestsOf = (tally: RequestTally) => phaseRequests(tally, devices, config.taskHub);
    const storageOf = (r: PhaseRequests) => r.perDevice.blob + r.perDevice.queue + r.perDevice.table;
    const nsToMs = (ns: number) => round(ns / 1e6, 1);

    const cyclePhase = async () => {
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

      // The report's latency with nothing else running, to compare with its latency during the cycle.
      const complianceUrl = `http://127.0.0.1:${httpPort}/api/tenants/${tenantId}/compliance?pageSize=50`;
      await sampleCompliance(complianceUrl, token, 2); // warm-up: key set, query plans
      const idle = await sampleCompliance(complianceUrl, token, idleComplianceSamples);

      // The cycle, with the compliance report probed over HTTP while it runs.
      resetPeaks();
      const cycleCpuStart = readCpu();
      const eventLoop = monitorEventLoopDelay({ resolution: 10 });
      eventLoop.enable();
      counter!.begin();
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
      } catch (err) {
        // What the worker logged tells why a device was not recorded.
        if (err instanceof Error && workerLog.firstProblem)
          err.message += `; worker outcomes ${JSON.stringify(workerLog.outcomes)}, first problem: ${workerLog.firstProblem}`;
        throw err;
      } finally {
        probed = await probe.stop();
      }
      // Handlers still running (the last devices' retention pass, message deletes) belong to the cycle.
      await queueHost.stop();
      queueHost = undefined;
      const tally = counter!.end();
      const cycleCpu = cpuSince(cycleCpuStart, cycle.wallMs);
      eventLoop.disable();
      const cyclePeaks = readPeaks();
      settings.log(
        `[bench]   cycle: ${seconds(cycle.wallMs).toFixed(1)} s, first after ${seconds(cycle.firstMs).toFixed(2)} s, dispatch ${seconds(cycle.schedulerMs).toFixed(1)} s`,
      );

      const verifiedInBackupRegion = await tagged('check', () => countVerifiedPoints(backup));
      if (verifiedInBackupRegion < devices) {
        throw new Error(
          `Only ${verifiedInBackupRegion} of ${devices} devices have a verified restore point in ${LocalRegions.backup}`,
        );
      }
      const latencies = probed.latenciesMs;
      const throughput = devices / seconds(cycle.wallMs);
      const requests = requestsOf(tally);
      const figures: CycleFigures = {
        cycleSeconds: round(seconds(cycle.wallMs)),
        timeToFirstSeconds: round(seconds(cycle.firstMs)),
        restorePointsPerSecond: round(throughput),
        cosmosRequestsPerDevice: round(requests.perDevice.cosmos),
        storageRequestsPerDevice: round(storageOf(requests)),
        controlPlanePeakRssMiB: round(cyclePeaks.controlPlane, 1),
        azuritePeakRssMiB: round(cyclePeaks.azurite, 1),
        cosmosPeakRssMiB: round(cyclePeaks.cosmos, 1),
        complianceP50Ms: round(percentile(latencies, 50) ?? Number.NaN, 1),
        complianceP99Ms: round(percentile(latencies, 99) ?? Number.NaN, 1),
        complianceSamples: latencies.length,
        oneHourRpoShare: round(seconds(cycle.wallMs) / 3600, 4),
        devicesPerHourAtThisRate: Math.round(throughput * 3600),
      };
      await settings.phaseDone('cycle', { fleetSetupSeconds, ...figures });
      return {
        figures,
        throughput,
        tally,
        requests,
        details: {
          cycle: {
            schedulerSeconds: round(seconds(cycle.schedulerMs)),
            dispatched: cycle.dispatched,
            timedBy: cycle.timedBy,
            summaryAllVerifiedSeconds: round(seconds(cycle.summaryAllVerifiedMs)),
            verifiedInBackupRegion,
            workerOutcomes: { ...workerLog.outcomes },
            events: { ...events.counts },
            failures: { ...events.failures },
            workerProblems: workerLog.problems,
            eventLoopDelayMs: {
              p50: nsToMs(eventLoop.percentile(50)),
              p99: nsToMs(eventLoop.percentile(99)),
              max: nsToMs(eventLoop.max),
            },
            ...(workerLog.firstProblem ? { firstWorkerProblem: workerLog.firstProblem } : {}),
          },
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
        },
        peakRssMiB: { cycle: roundAll(cyclePeaks) },
        cpu: { cycle: cycleCpu },
      };
    };

    // The activation's half alone starts from seeded restore points instead (bench/seedPoints.ts).
    const seedPhase = async () => {
      const started = performance.now();
      await seedRestorePoints({
        primary: BlobServiceClient.fromConnectionString(storage[LocalRegions.primary]!),
        backup,
        tenantId,
        ids,
        takenAt: new Date(dueAt),
        now: new Date(dueAt),
        diskBytes: settings.diskBytes,
        concurrency: settings.diskCreateConcurrency,
      });
      const seedMs = performance.now() - started;
      settings.log(`[bench]   seeded ${devices} verified restore points: ${seconds(seedMs).toFixed(1)} s`);
      return seedMs;
    };

    const measure = async <T>(work: () => Promise<T>, wallMsOf: (result: T) => number) => {
      resetPeaks();
      const cpuStart = readCpu();
      counter!.begin();
      const result = await work();
      const tally = counter!.end();
      return { result, tally, peaks: readPeaks(), cpu: cpuSince(cpuStart, wallMsOf(result)) };
    };

    // The activation phase: the primary region activated over HTTP, every device recovered into
    // the backup region from its verified point, then deactivated; on the system's clock.
    const activationPhases = async () => {
      clock.followSystemClock();
      const recoveryLog = new WorkerLog();
      const driverLog = new WorkerLog();
      activationRuntime = await startActivationRuntime({
        connection: config.workQueue.connection,
        taskHub: config.taskHub,
        queueHost: { maxConcurrentCalls: settings.concurrency, ...settings.queueHost },
        driverLog: driverLog.handler,
        workerLog: recoveryLog.handler,
      });
      const api: ActivationApi = {
        tenantUrl: `http://127.0.0.1:${httpPort}/api/tenants/${tenantId}`,
        operatorToken,
        readerToken: token,
      };
      const compute = () => services().stores.compute as SimulatedComputeProvider;
      // A phase that fails says what the worker and the driver logged.
      const withLogs = async <T>(work: () => Promise<T>): Promise<T> => {
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
      };
      const activationLoop = monitorEventLoopDelay({ resolution: 10 });
      activationLoop.enable();
      const activated = await measure(
        () =>
          withLogs(() =>
            runActivation({
              api,
              idempotencyKey: `bench-${run}-${randomUUID()}`,
              events,
              probeIntervalMs: settings.probeIntervalMs,
              timeoutMs: settings.timeoutMs,
            }),
          ),
        (a) => a.wallMs,
      );
      activationLoop.disable();
      const activation = activated.result;
      const activationEvents = { ...events.counts };
      const activationRedispatched = events.redispatchedTasks;
      const activationWorker = snapshotLog(recoveryLog);
      const activationDriver = snapshotLog(driverLog);
      const creations = await checkCreations(compute(), activation.activationId, ids);
      if (
        activation.status.counts['recovered'] !== devices ||
        creations.total !== devices ||
        creations.names !== devices
      ) {
        throw new Error(
          `The activation recovered ${activation.status.counts['recovered'] ?? 0} of ${devices} devices ` +
            `(${JSON.stringify(nonZero(activation.status.counts))}) with ${creations.total} creations of ` +
            `${creations.names} temporary devices: each device must be created exactly once` +
            (creations.firstProblem ? ` (${creations.firstProblem})` : '') +
            (events.firstRecoveryFailure ? `; first failure ${events.firstRecoveryFailure}` : '') +
            (recoveryLog.firstProblem ? `; worker: ${recoveryLog.firstProblem}` : ''),
        );
      }
      settings.log(
        `[bench]   activation: ${seconds(activation.wallMs).toFixed(1)} s, first after ${seconds(activation.firstMs ?? Number.NaN).toFixed(2)} s, ` +
          `waves ${waveTimes(activation.status)
            .map((w) => `${w.label} ${w.seconds?.toFixed(1) ?? '?'} s`)
            .join(', ')}`,
      );
      const activationRequests = requestsOf(activated.tally);
      const activationThroughput = devices / seconds(activation.wallMs);
      const statusLatencies = activation.probe.latenciesMs;
      const activationFigures = {
        activationSeconds: round(seconds(activation.wallMs)),
        activationTimeToFirstSeconds: round(seconds(activation.firstMs ?? Number.NaN)),
        activationDevicesPerSecond: round(activationThroughput),
        activationRtoSeconds: activation.status.rtoSeconds ?? Number.NaN,
        activationCosmosRequestsPerDevice: round(activationRequests.perDevice.cosmos),
        activationStorageRequestsPerDevice: round(storageOf(activationRequests)),
        activationControlPlanePeakRssMiB: round(activated.peaks.controlPlane, 1),
        activationAzuritePeakRssMiB: round(activated.peaks.azurite, 1),
        activationCosmosPeakRssMiB: round(activated.peaks.cosmos, 1),
        activationStatusP50Ms: round(percentile(statusLatencies, 50) ?? Number.NaN, 1),
        activationStatusP99Ms: round(percentile(statusLatencies, 99) ?? Number.NaN, 1),
        activationStatusSamples: statusLatencies.length,
        fourHourRtoShareAt50k: round(targetDevices / activationThroughput / rtoWindowSeconds, 4),
      };
      await settings.phaseDone('activation', activationFigures);

      recoveryLog.reset();
      const deactivated = await measure(
        () =>
          withLogs(() =>
            runDeactivation({
              api,
              activationId: activation.activationId,
              events,
              probeIntervalMs: settings.probeIntervalMs,
              timeoutMs: settings.timeoutMs,
            }),
          ),
        (d) => d.wallMs,
      );
      const deactivation = deactivated.result;
      const deactivationEvents = { ...events.counts };
      const deactivationWorker = snapshotLog(recoveryLog);
      const devicesLeft = await temporaryDevicesLeft(compute(), activation.activationId);
      if (deactivation.status.counts['released'] !== devices || devicesLeft !== 0) {
        throw new Error(
          `The deactivation released ${deactivation.status.counts['released'] ?? 0} of ${devices} devices ` +
            `and left ${devicesLeft} temporary devices`,
        );
      }
      settings.log(`[bench]   deactivation: ${seconds(deactivation.wallMs).toFixed(1)} s`);
      const deactivationRequests = requestsOf(deactivated.tally);
      const deactivationFigures = {
        deactivationSeconds: round(seconds(deactivation.wallMs)),
        deactivationDevicesPerSecond: round(devices / seconds(deactivation.wallMs)),
        deactivationCosmosRequestsPerDevice: round(deactivationRequests.perDevice.cosmos),
        deactivationStorageRequestsPerDevice: round(storageOf(deactivationRequests)),
      };
      await settings.phaseDone('deactivation', deactivationFigures);
      // The backup account as the activation found it: the points (with their read snapshots) alone.
      await resetBackupAccount(backup);

      let realistic: RealisticActivation | { error: string } | undefined;
      if (settings.realistic) {
        realistic = await runRealisticActivation({
          ...settings.realistic,
          api,
          ids,
          events,
          recoveryLog,
          probeIntervalMs: settings.probeIntervalMs,
          // Each of the three waves waits at least one provisioning and one check of the worker's.
          timeoutMs: settings.timeoutMs + 6 * (settings.realistic.provisioningMs + 10_000),
          reinstall: async (simulatedCompute) => {
            process.env[SettingNames.simulatedCompute] = simulatedCompute;
            await resetServices();
            installServices({ clock, events, worker: settings.worker });
          },
          measure,
          compute,
          taskHub: config.taskHub,
          log: settings.log,
        }).catch((err: unknown) => {
          // The extra activation failing does not lose the run's figures.
          const error = `${ensureErrorType(err).message}; worker outcomes ${JSON.stringify(recoveryLog.outcomes)}`;
          settings.log(`[bench]   the activation with latency and capacity failed: ${error}`);
          return { error };
        });
      }
      // Stopped before the account is reset: devices waiting for capacity would try again meanwhile.
      await activationRuntime.stop();
      activationRuntime = undefined;
      if (settings.realistic) {
        try {
          await resetBackupAccount(backup);
        } catch (err) {
          const error = `resetting the backup account after it failed: ${describeError(ensureErrorType(err))}`;
          settings.log(`[bench]   the activation with latency and capacity: ${error}`);
          realistic = { error };
        }
      }

      // The activation's floor: its storage and queue calls issued bare, from the same storage.
      await prepareActivationFloor(env);
      const activationFloorRun = await measure(
        () =>
          runActivationFloor({
            settings: env,
            tenantId,
            activationId: activation.activationId,
            ids,
            activationAuditRecords: 3 + waveTimes(activation.status).length,
            concurrency: settings.concurrency,
            ...settings.queueHost,
            timeoutMs: settings.timeoutMs,
            onRedelivery: (err, item) =>
              settings.log(
                `[bench]   activation floor: delivery ${item.dequeueCount} of ${item.messageId} failed, delivered again: ${describeError(err)}`,
              ),
          }),
        (f) => f.wallMs,
      );
      const activationFloor = activationFloorRun.result;
      settings.log(
        `[bench]   activation floor: ${seconds(activationFloor.wallMs).toFixed(1)} s, first after ${seconds(activationFloor.firstMs).toFixed(2)} s`,
      );
      const activationFloorRequests = requestsOf(activationFloorRun.tally);
      const activationFloorThroughput = devices / seconds(activationFloor.wallMs);
      const activationFloorFigures = {
        activationFloorSeconds: round(seconds(activationFloor.wallMs)),
        activationFloorDevicesPerSecond: round(activationFloorThroughput),
        activationToFloorRatio: round(activationThroughput / activationFloorThroughput),
        activationFloorStorageRequestsPerDevice: round(storageOf(activationFloorRequests)),
      };
      await settings.phaseDone('activation floor', activationFloorFigures);

      return {
        figures: { ...activationFigures, ...deactivationFigures, ...activationFloorFigures },
        details: {
          activation: {
            activationId: activation.activationId,
            timedBy: activation.timedBy,
            counts: nonZero(activation.status.counts),
            planningSeconds: round(
              seconds(
                Date.parse(activation.status.plannedAt ?? '') - Date.parse(activation.status.requestedAt),
              ),
            ),
            waves: roundWaves(waveTimes(activation.status)),
            redispatchedTasks: activationRedispatched,
            lastRecoveredSeconds: round(seconds(activation.lastRecoveredMs ?? Number.NaN)),
            recoveredEvents: activation.recoveredEvents,
            creations,
            workerOutcomes: activationWorker.outcomes,
            workerProblems: activationWorker.problems,
            ...(activationWorker.firstProblem ? { firstWorkerProblem: activationWorker.firstProblem } : {}),
            driverProblems: activationDriver.problems,
            ...(activationDriver.firstProblem ? { firstDriverProblem: activationDriver.firstProblem } : {}),
            events: activationEvents,
            eventLoopDelayMs: {
              p50: nsToMs(activationLoop.percentile(50)),
              p99: nsToMs(activationLoop.percentile(99)),
              max: nsToMs(activationLoop.max),
            },
            status: statusProbeDetails(activation.probe),
          },
          deactivation: {
            timedBy: deactivation.timedBy,
            counts: nonZero(deactivation.status.counts),
            temporaryDevicesLeft: devicesLeft,
            workerOutcomes: deactivationWorker.outcomes,
            workerProblems: deactivationWorker.problems,
            ...(deactivationWorker.firstProblem
              ? { firstWorkerProblem: deactivationWorker.firstProblem }
              : {}),
            events: deactivationEvents,
            status: statusProbeDetails(deactivation.probe),
          },
          activationFloor: {
            sendSeconds: round(seconds(activationFloor.sendMs)),
            redeliveries: activationFloor.redeliveries,
          },
          ...(realistic ? { realistic } : {}),
        },
        requests: {
          activation: activationRequests,
          deactivation: deactivationRequests,
          activationFloor: activationFloorRequests,
          floorVersusActivation: storageDifferences(activationRequests, activationFloorRequests),
          floorVersusRecoveryPath: storageDifferences(
            withoutTaskHub(activationRequests, config.taskHub),
            activationFloorRequests,
          ),
        },
        peakRssMiB: {
          activation: roundAll(activated.peaks),
          deactivation: roundAll(deactivated.peaks),
          activationFloor: roundAll(activationFloorRun.peaks),
        },
        cpu: {
          activation: activated.cpu,
          deactivation: deactivated.cpu,
          activationFloor: activationFloorRun.cpu,
        },
      };
    };

    const cycleFloor = async (cycle: CyclePart) => {
      // Azurite's cost per request grows with the blobs in the account: the cycle's floor starts from
      // the storage the cycle started from, without the points, temporary devices and markers.
      await resetBackupAccount(backup);
      await tagged('check', () => backup.getContainerClient(restorePointsContainerName).delete());

      // The floor, on the same emulators, with nothing of the control plane running.
      await prepareFloor(env);
      // The floor's messages are made as large as the cycle's were (the scheduler may carry more than the request).
      const cycleSends = cycle.tally.byKind['queue:send'] ?? 0;
      const cycleSendBytes = cycleSends > 0 ? (cycle.tally.bytesByKind['queue:send'] ?? 0) / cycleSends : 0;
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
      const floorRun = await measure(
        () =>
          runFloor({
            settings: env,
            tenantId,
            ids,
            takenAt: new Date(dueAt),
            concurrency: settings.concurrency,
            ...settings.queueHost,
            timeoutMs: settings.timeoutMs,
            padChars,
          }),
        (f) => f.wallMs,
      );
      const floor = floorRun.result;
      settings.log(
        `[bench]   floor: ${seconds(floor.wallMs).toFixed(1)} s, first after ${seconds(floor.firstMs).toFixed(2)} s`,
      );
      const floorRequests = requestsOf(floorRun.tally);
      const floorThroughput = devices / seconds(floor.wallMs);
      const floorFigures = {
        floorSeconds: round(seconds(floor.wallMs)),
        floorTimeToFirstSeconds: round(seconds(floor.firstMs)),
        floorRestorePointsPerSecond: round(floorThroughput),
        cycleToFloorRatio: round(cycle.throughput / floorThroughput),
        floorStorageRequestsPerDevice: round(storageOf(floorRequests)),
      };
      await settings.phaseDone('floor', floorFigures);
      return {
        figures: floorFigures,
        details: { floor: { sendSeconds: round(seconds(floor.sendMs)), messagePadChars: padChars } },
        requests: {
          floor: floorRequests,
          floorVersusCycle: storageDifferences(cycle.requests, floorRequests),
        },
        peakRssMiB: { floor: roundAll(floorRun.peaks) },
        cpu: { floor: floorRun.cpu },
      };
    };

    // Phases left out (`only`) leave their figures and details out.
    type CyclePart = Awaited<ReturnType<typeof cyclePhase>>;
    const cyclePart = settings.only === 'activation' ? undefined : await cyclePhase();
    const seedMs = cyclePart ? undefined : await seedPhase();
    const activationPart = settings.only === 'cycle' ? undefined : await activationPhases();
    const floorPart = cyclePart ? await cycleFloor(cyclePart) : undefined;
    const figures: RunFigures = {
      fleetSetupSeconds,
      ...cyclePart?.figures,
      ...floorPart?.figures,
      ...activationPart?.figures,
    };
    const details: RunDetails = {
      setup: {
        emulatorsSeconds: round(seconds(emulatorsMs)),
        disksSeconds: round(seconds(disksMs)),
        importSeconds: round(seconds(importMs)),
        importDevicesPerSecond: round(devices / seconds(importMs)),
        ...(seedMs === undefined ? {} : { seedSeconds: round(seconds(seedMs)) }),
      },
      ...cyclePart?.details,
      ...floorPart?.details,
      ...activationPart?.details,
      requests: {
        ...(cyclePart && { cycle: cyclePart.requests }),
        ...floorPart?.requests,
        ...activationPart?.requests,
      },
      peakRssMiB: {
        setup: roundAll(setupPeaks),
        ...cyclePart?.peakRssMiB,
        ...floorPart?.peakRssMiB,
        ...activationPart?.peakRssMiB,
        controlPlaneLifetime: round(process.resourceUsage().maxRSS / mebibyte, 1),
        perPhase,
      },
      cpu: { ...cyclePart?.cpu, ...floorPart?.cpu, ...activationPart?.cpu },
    };
    return { run, figures, details };
  } finally {
    await queueHost?.stop();
    await activationRuntime?.stop();
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
  if (!(error instanceof CycleTimeoutError)) return { run, error: describeError(error) };
  return {
    run,
    error: error.message,
    recorded: error.recorded,
    elapsedSeconds: round(error.elapsedMs / 1000),
    restorePointsPerSecondSoFar: round(error.recorded / (error.elapsedMs / 1000)),
  };
}

function phaseRequests(tally: RequestTally, devices: number, taskHub: string): PhaseRequests {
  const hub = taskHubResources(taskHub);
  const hubRequests = Object.entries(tally.byResource)
    .filter(([key]) => hub.has(resourceOfKey(key)))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    perDevice: roundAll(perDevice(tally.byDestination, devices), 4),
    perDeviceByKind: roundAll(perDevice(tally.byKind, devices), 4),
    perDeviceByResource: roundAll(perDevice(tally.byResource, devices), 4),
    taskHubPerDevice: round(hubRequests / devices, 4),
    meanBytesByKind: Object.fromEntries(
      Object.entries(tally.bytesByKind).map(([kind, bytes]) => [
        kind,
        Math.round(bytes / (tally.byKind[kind] ?? 1)),
      ]),
    ),
    total: tally.total,
    retriesByKind: tally.retriesByKind,
    excluded: tally.excluded,
  };
}

/**
 * The orchestration driver's table and queues (`taskHubResourceNames`), and the table service's
 * batch endpoint (`/{account}/$batch`), which only the task hub uses here.
 */
function taskHubResources(taskHub: string): Set<string> {
  const names = taskHubResourceNames(taskHub);
  return new Set([names.table, names.controlQueue, names.workItemQueue, '$batch']);
}

/** `blob:restore-points:snapshot` → `restore-points`. */
function resourceOfKey(key: string): string {
  return key.slice(key.indexOf(':') + 1, key.lastIndexOf(':'));
}

/** The phase's storage requests by kind without those of the task hub: the per-device path alone. */
function withoutTaskHub(requests: PhaseRequests, taskHub: string): PhaseRequests {
  const hub = taskHubResources(taskHub);
  const byKind: Record<string, number> = {};
  for (const [key, n] of Object.entries(requests.perDeviceByResource)) {
    if (hub.has(resourceOfKey(key))) continue;
    const kind = `${key.slice(0, key.indexOf(':'))}:${key.slice(key.lastIndexOf(':') + 1)}`;
    byKind[kind] = round((byKind[kind] ?? 0) + n, 4);
  }
  return { ...requests, perDeviceByKind: byKind };
}

function statusProbeDetails(probe: ProbeResult): StatusProbeDetails {
  const latencies = probe.latenciesMs;
  return {
    samples: latencies.length,
    errors: probe.errors,
    p50Ms: round(percentile(latencies, 50) ?? Number.NaN, 1),
    p99Ms: round(percentile(latencies, 99) ?? Number.NaN, 1),
    maxMs: round(Math.max(0, ...latencies), 1),
    ...(probe.firstError ? { firstError: probe.firstError } : {}),
  };
}

function roundWaves(waves: WaveTimes[]): WaveTimes[] {
  const r = (n: number | undefined) => (n === undefined ? undefined : round(n, 2));
  return waves.map((w) => ({ ...w, seconds: r(w.seconds), startedAfterSeconds: r(w.startedAfterSeconds) }));
}

function snapshotLog(log: WorkerLog): {
  outcomes: Record<string, number>;
  problems: number;
  firstProblem?: string;
} {
  return {
    outcomes: { ...log.outcomes },
    problems: log.problems,
    ...(log.firstProblem ? { firstProblem: log.firstProblem } : {}),
  };
}

type Measure = <T>(
  work: () => Promise<T>,
  wallMsOf: (result: T) => number,
) => Promise<{ result: T; tally: RequestTally }>;

/**
 * One more activation after the first was deactivated, with the simulated provider's provisioning
 * latency and capacity in the backup region (the services built again with that setting), and the
 * recovery worker's own timings (it checks a device still provisioning every 10 s by default). It
 * ends `completed`, or once every device dispatched is recovered or waiting for capacity: the
 * simulated provider frees capacity only when temporary devices are deleted, so with fewer than N
 * the rest would wait until a deactivation.
 */
async function runRealisticActivation(input: {
  provisioningMs: number;
  capacity: number | null;
  api: ActivationApi;
  ids: readonly string[];
  events: EventRecorder;
  recoveryLog: WorkerLog;
  probeIntervalMs: number;
  timeoutMs: number;
  reinstall: (simulatedCompute: string) => Promise<void>;
  measure: Measure;
  compute: () => SimulatedComputeProvider;
  taskHub: string;
  log: (line: string) => void;
}): Promise<RealisticActivation> {
  const region = {
    provisioningMs: input.provisioningMs,
    ...(input.capacity !== null ? { capacity: input.capacity } : {}),
  };
  await input.reinstall(JSON.stringify({ [LocalRegions.backup]: region }));
  input.recoveryLog.reset();
  const count = (s: ActivationStatus, state: string) => s.counts[state] ?? 0;
  const { result: a, tally } = await input.measure(
    () =>
      runActivation({
        api: input.api,
        idempotencyKey: `bench-realistic-${randomUUID()}`,
        events: input.events,
        probeIntervalMs: input.probeIntervalMs,
        timeoutMs: input.timeoutMs,
        stopWhen: (s) =>
          s.state === 'recovering' &&
          count(s, 'queued') === 0 &&
          count(s, 'provisioning') === 0 &&
          count(s, 'waiting-for-capacity') > 0,
      }),
    (m) => m.wallMs,
  );
  const events = { ...input.events.counts };
  const recovered = count(a.status, 'recovered');
  const creations = await checkCreations(input.compute(), a.activationId, input.ids);
  if (creations.duplicated > 0 || creations.total !== recovered) {
    throw new Error(
      `The activation with latency and capacity recovered ${recovered} devices with ${creations.total} creations ` +
        `(${creations.duplicated} names more than once): each device must be created exactly once` +
        (creations.firstProblem ? ` (${creations.firstProblem})` : ''),
    );
  }
  if (!a.stoppedEarly && recovered !== input.ids.length) {
    throw new Error(
      `The activation with latency and capacity completed with ${recovered} of ${input.ids.length} devices recovered: ` +
        JSON.stringify(nonZero(a.status.counts)),
    );
  }
  const rtoSeconds = a.lastRecoveredMs !== undefined ? round(a.lastRecoveredMs / 1000) : null;
  const requests = phaseRequests(tally, Math.max(1, recovered), input.taskHub);
  input.log(
    `[bench]   activation with ${input.provisioningMs} ms provisioning, capacity ${input.capacity ?? 'unlimited'}: ` +
      `${a.stoppedEarly ? 'capacity exhausted' : 'completed'} after ${(a.wallMs / 1000).toFixed(1)} s, ` +
      `${recovered} recovered, RTO ${rtoSeconds ?? '—'} s`,
  );
  return {
    provisioningMs: input.provisioningMs,
    capacity: input.capacity,
    outcome: a.stoppedEarly ? 'capacity-exhausted' : 'completed',
    wallSeconds: round(a.wallMs / 1000),
    rtoSeconds,
    reportRtoSeconds: a.stoppedEarly ? null : (a.status.rtoSeconds ?? null),
    firstSeconds: a.firstMs !== undefined ? round(a.firstMs / 1000) : null,
    recovered,
    devicesPerSecond: rtoSeconds ? round(recovered / rtoSeconds) : null,
    counts: nonZero(a.status.counts),
    waves: roundWaves(waveTimes(a.status)),
    creations,
    workerOutcomes: { ...input.recoveryLog.outcomes },
    redispatchedTasks: input.events.redispatchedTasks,
    events,
    status: statusProbeDetails(a.probe),
    cosmosRequestsPerDevice: round(requests.perDevice.cosmos),
    storageRequestsPerDevice: round(
      requests.perDevice.blob + requests.perDevice.queue + requests.perDevice.table,
    ),
  };
}

/** Blob and queue kinds whose per-device counts differ by more than 0.01 between a phase and its floor. */
function storageDifferences(cycle: PhaseRequests, floor: PhaseRequests): KindDifference[] {
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

/** A target's check, or undefined when its figure was not measured. */
function target(
  name: string,
  goal: string,
  value: number | undefined,
  met: (value: number) => boolean,
): TargetCheck | undefined {
  return value === undefined ? undefined : { name, target: goal, value, met: met(value) };
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
    // Those of the phases the runs measured: a half (`only`) checks its own.
    checks: [
      target('throughput ÷ floor', '≥ 0.7', m.cycleToFloorRatio, (v) => v >= 0.7),
      target('compliance p99 while the cycle runs', '< 100 ms', m.complianceP99Ms, (v) => v < 100),
      target('control-plane peak RSS', '< 1024 MiB', m.controlPlanePeakRssMiB, (v) => v < 1024),
      target('Cosmos requests per device per cycle', '≤ 3', m.cosmosRequestsPerDevice, (v) => v <= 3),
      target('activation ÷ floor', '≥ 0.7', m.activationToFloorRatio, (v) => v >= 0.7),
      target('status p99 while the activation runs', '< 100 ms', m.activationStatusP99Ms, (v) => v < 100),
      target(
        "share of Windows 365's 4-hour RTO, %",
        '< 5',
        m.fourHourRtoShareAt50k === undefined ? undefined : m.fourHourRtoShareAt50k * 100,
        (v) => v < 5,
      ),
    ].filter((check) => check !== undefined),
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
