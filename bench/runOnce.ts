/**
 * One run of one fleet size, phase by phase (bench/README.md, "What runs"): fresh emulators and
 * services, the fleet set up, the cycle (or, for the activation's half alone, seeded points), the
 * activation's half, the cycle's floor, then everything taken down. Each phase saves its figures
 * as it ends (`settings.phaseDone`); phases left out (`settings.only`) measure nothing.
 */
import { activationHalf } from './activationHalf';
import type { RunResult } from './benchmarkReport';
import { cycleFloorPhase } from './cycleFloorPhase';
import { cyclePhase } from './cyclePhase';
import { managedCyclePhase } from './managedCycleRunPhase';
import { startRunEnvironment } from './runEnvironment';
import { runResult } from './runResult';
import { seedPhase } from './seedPhase';
import type { RunSettings } from './settings';
import { setUpFleet } from './setupPhase';

export async function runOnce(devices: number, run: number, settings: RunSettings): Promise<RunResult> {
  const env = await startRunEnvironment(devices, run, settings);
  try {
    if (settings.only === 'managed-cycle') {
      const managed = await managedCyclePhase(env);
      return runResult(env, managed.setup, undefined, [managed.part]);
    }
    const setup = await setUpFleet(env);
    const cycle = settings.only === 'activation' ? undefined : await cyclePhase(env, setup.fleetSetupSeconds);
    const seedMs = cycle ? undefined : await seedPhase(env);
    const activation = settings.only === 'cycle' ? [] : await activationHalf(env);
    const cycleFloor = cycle ? await cycleFloorPhase(env, cycle) : undefined;
    return runResult(env, setup, seedMs, [cycle, cycleFloor, ...activation]);
  } finally {
    await env.stop();
  }
}
