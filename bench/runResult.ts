/** One run's figures and details, put together from its set-up and the parts its phases measured. */
import type { RunResult } from './benchmarkReport';
import type { RunEnvironment } from './runEnvironment';
import type { Phase, ProcessFigures, RunDetails } from './runDetails';
import type { RunFigures } from './runFigures';
import type { FleetSetup } from './setupPhase';
import { round, roundAll } from './stats';

/** What one phase (or a sequence of them) adds to the run's result. */
export interface RunPart {
  figures: Partial<RunFigures>;
  details: Pick<
    RunDetails,
    | 'cycle'
    | 'compliance'
    | 'floor'
    | 'activation'
    | 'deactivation'
    | 'activationFloor'
    | 'realistic'
    | 'managedCycle'
  >;
  requests: RunDetails['requests'];
  peakRssMiB: Partial<Record<Phase, ProcessFigures>>;
  cpu: RunDetails['cpu'];
}

/** The run's result; phases left out (`only`) leave their figures and details out. */
export function runResult(
  env: RunEnvironment,
  setup: FleetSetup,
  seedMs: number | undefined,
  parts: readonly (RunPart | undefined)[],
): RunResult {
  const done = parts.filter((part) => part !== undefined);
  const merged = <K extends keyof RunPart>(key: K): RunPart[K] =>
    done.reduce((all, part) => ({ ...all, ...part[key] }), {} as RunPart[K]);
  const seconds = (ms: number) => round(ms / 1000);
  const figures: RunFigures = { fleetSetupSeconds: setup.fleetSetupSeconds, ...merged('figures') };
  const details: RunDetails = {
    setup: {
      emulatorsSeconds: seconds(env.emulatorsMs),
      disksSeconds: seconds(setup.disksMs),
      importSeconds: seconds(setup.importMs),
      importDevicesPerSecond: round(env.devices / (setup.importMs / 1000)),
      ...(seedMs === undefined ? {} : { seedSeconds: seconds(seedMs) }),
    },
    ...merged('details'),
    requests: merged('requests'),
    peakRssMiB: {
      setup: roundAll(setup.peaks),
      ...merged('peakRssMiB'),
      controlPlaneLifetime: env.meter.lifetimePeakMiB(),
      perPhase: setup.perPhasePeaks,
    },
    cpu: merged('cpu'),
  };
  return { run: env.run, figures, details };
}
