/**
 * The fleet's set-up, timed but not part of any phase measured after it: the disks in the primary
 * region, the tenant and its policy, the devices registered through the product's import.
 */
import {
  createDisks,
  createTenant,
  importDevices,
  SetupTimeoutError,
  withDeadline,
  type FleetProgress,
} from './fleet';
import type { RunEnvironment } from './runEnvironment';
import type { ProcessFigures } from './runDetails';
import { round } from './stats';

export interface FleetSetup {
  /** Disks and import, the headline figure. */
  fleetSetupSeconds: number;
  disksMs: number;
  importMs: number;
  /** Each process's peak memory by the end of the set-up (MiB). */
  peaks: ProcessFigures;
  /** False where peaks cannot be reset per phase: each then covers the process's life so far. */
  perPhasePeaks: boolean;
}

export async function setUpFleet(env: RunEnvironment): Promise<FleetSetup> {
  const { devices, settings } = env;
  const progress: FleetProgress = { disks: 0, imported: 0 };
  const setupStarted = performance.now();
  let disksMs = 0;
  const setup = async () => {
    await createDisks(env.primary, env.ids, settings.diskBytes, settings.diskCreateConcurrency, progress);
    disksMs = performance.now() - setupStarted;
    await createTenant(env.tenantId, devices);
    await importDevices(env.tenantId, env.ids, progress);
  };
  await withDeadline(
    setup(),
    settings.timeoutMs,
    () => new SetupTimeoutError({ ...progress }, devices, performance.now() - setupStarted),
  );
  const importMs = performance.now() - (setupStarted + disksMs);
  settings.log(
    `[bench]   set-up: emulators ${seconds(env.emulatorsMs)} s, ${devices} disks ${seconds(disksMs)} s, import ${seconds(importMs)} s`,
  );
  const peaks = env.meter.readPeaks();
  return {
    fleetSetupSeconds: round((disksMs + importMs) / 1000),
    disksMs,
    importMs,
    peaks,
    perPhasePeaks: env.meter.resetPeaks(),
  };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
