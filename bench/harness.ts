/**
 * The benchmark of the protection cycle and of disaster-recovery activation against the embedded
 * runtime, as a function the CLI (`bench/run.ts`) and the smoke tests (`test/bench/bench.test.ts`)
 * both call. Each fleet size is run the number of times asked, each run from fresh emulators
 * (`runOnce`, bench/runOnce.ts, one file per phase); the report is saved after every run and
 * every phase, and a run that fails is reported with how far it got while the others go on.
 */
import '../src/local/quietTestModeWarnings';
import { resetServices } from '../src/compositionRoot';
import { ensureErrorType } from '../src/domain/errors';
import type { BenchmarkOutcome, RunFailure, RunResult, SizeResult, UnfinishedRun } from './benchmarkReport';
import { CycleTimeoutError } from './cycle';
import { describeError } from './describeError';
import { SetupTimeoutError } from './fleet';
import { fixed, formatTable } from './report';
import { ReportFiles } from './reportFiles';
import type { RunFigures } from './runFigures';
import { runOnce } from './runOnce';
import { benchmarkPlan, type BenchmarkOptions } from './settings';
import { medianOfEach, round } from './stats';

export async function runBenchmark(options: BenchmarkOptions = {}): Promise<BenchmarkOutcome> {
  const { sizes, settings, runsOf, timeoutMs, log, resultsDir } = benchmarkPlan(options);
  const files = await ReportFiles.create(resultsDir, settings);
  const savedEnv = { ...process.env };

  const results: SizeResult[] = [];
  const runsPlanned = sizes.reduce((sum, devices) => sum + runsOf(devices), 0);
  let runsDone = 0;
  let currentRun: UnfinishedRun | undefined;
  const saveUnfinished = (sizesSoFar: SizeResult[]) =>
    files.save(sizesSoFar, { runsDone, runsPlanned, ...(currentRun ? { currentRun } : {}) });
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
          await saveUnfinished([...results, sizeResult(devices, sizeRuns, failures)]);
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
        if (runsDone < runsPlanned)
          await saveUnfinished([...results, sizeResult(devices, sizeRuns, failures)]);
      }
      results.push(sizeResult(devices, sizeRuns, failures));
    }
  } finally {
    restoreEnv(savedEnv);
    await resetServices();
  }

  const report = await files.save(results);
  return { report, jsonFile: files.jsonFile, markdownFile: files.markdownFile, table: formatTable(report) };
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
  if (f.managedSteadyBoundRatio !== undefined)
    parts.push(
      `managed seeding ${fixed(f.managedSeedingSimulatedSeconds, 0)} simulated s (bound ÷ measured ${fixed(f.managedSeedingBoundRatio, 2)}), ` +
        `steady ${fixed(f.managedSteadySimulatedSeconds, 0)} simulated s (bound ÷ measured ${fixed(f.managedSteadyBoundRatio, 2)}), ` +
        `429s ${fixed(f.managedThrottled, 0)}, over budget ${fixed(f.managedOverBudget, 0)}`,
    );
  log(`[bench] N=${devices} run ${run}/${runs}: ${parts.join('; ')}`);
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

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}
