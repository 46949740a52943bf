/**
 * What a benchmark is asked (`BenchmarkOptions`, the CLI's flags) and the settings it runs with:
 * checked once, recorded in the report, and handed to every run.
 */
import { join } from 'node:path';
import type { RestorePointWorkerOptions } from '../src/app/RestorePointWorker';
import { defaultManagedCycleSettings, type ManagedCycleSettings } from './managedCycleSettings';
import type { RunFigures } from './runFigures';

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
  only?: BenchmarkHalf;
  /** The managed-disk cycle's model and timings (`only: 'managed-cycle'`); defaults in managedCycleSettings.ts. */
  managed?: Partial<ManagedCycleSettings>;
  /** Progress lines; to stderr by default. */
  log?: (line: string) => void;
}

/** The settings every run of a benchmark shares, as its report records them. */
export interface SharedSettings {
  /** The queue host's maxConcurrentCalls, and the floors' concurrency. */
  concurrency: number;
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
  /** ACTIVATION_POLL_SECONDS: how often the drivers look at a wave's progress. */
  activationPollSeconds: number;
  /** The extra activation with provisioning latency and limited capacity; null when not run. */
  realistic: { provisioningMs: number; capacity: number | null } | null;
  only: BenchmarkHalf | null;
  /** The managed-disk cycle's model and timings (used by `only: 'managed-cycle'`). */
  managed: ManagedCycleSettings;
}

/**
 * One part of each run: the page-blob cycle and its floor, the activation's phases, or the
 * managed-disk cycle against the ARM double (not in the default run: see bench/README.md).
 */
export type BenchmarkHalf = 'cycle' | 'activation' | 'managed-cycle';

/** The settings as the report records them: the shared settings, and how runs and time limits were chosen. */
export type RecordedSettings = SharedSettings & { runs: number | string; timeoutMs: string };

/** What one run is given: the shared settings, its own time limit, and where its progress goes. */
export interface RunSettings extends SharedSettings {
  /** Longest wait for each of the run's phases. */
  timeoutMs: number;
  log: (line: string) => void;
  /** Saves a phase's figures as soon as the phase is done (see `BenchmarkReport.inProgress`). */
  phaseDone: (phase: string, figures: Partial<RunFigures>) => Promise<void>;
}

/** A benchmark's options, checked and with their defaults. */
export interface BenchmarkPlan {
  sizes: number[];
  settings: RecordedSettings;
  runsOf: (devices: number) => number;
  timeoutMs: (devices: number) => number;
  resultsDir: string;
  log: (line: string) => void;
}

/** Checks the options (a RangeError names the first that cannot work) and fills in the defaults. */
export function benchmarkPlan(options: BenchmarkOptions): BenchmarkPlan {
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
  const managedScale = options.managed?.timeScale;
  if (managedScale !== undefined && !(managedScale > 0))
    throw new RangeError('The ARM double’s time scale must be positive');
  const settings: BenchmarkPlan['settings'] = {
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
    activationPollSeconds: 1,
    realistic: realistic ?? null,
    only: options.only ?? null,
    managed: { ...defaultManagedCycleSettings, ...options.managed },
    runs: options.runs ?? 'default: 3 for N ≤ 10,000, 1 above',
    timeoutMs: options.timeoutMs
      ? 'set by the caller'
      : 'default: 60 s + 100 ms per device, for each of the set-up, the cycle, the activation, the deactivation and the two floors',
  };
  return {
    sizes,
    settings,
    runsOf: (devices) => options.runs ?? (devices <= 10_000 ? 3 : 1),
    timeoutMs: options.timeoutMs ?? ((n: number) => 60_000 + n * 100),
    resultsDir: options.resultsDir ?? defaultResultsDir,
    log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
  };
}
