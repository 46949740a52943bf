/**
 * The managed-disk cycle as a run's phase (`--only managed-cycle`): `runManagedCycles` on the
 * run's emulators and clock, measured like the other phases (peak memory, CPU), its figures saved
 * as soon as it ends. Its fleet set-up stands in for the page-blob fleet's.
 */
import type { ManagedCycleResult } from './managedCyclePhase';
import { runManagedCycles } from './managedCyclePhase';
import type { RunEnvironment } from './runEnvironment';
import type { ManagedCycleFigures } from './runFigures';
import type { RunPart } from './runResult';
import type { FleetSetup } from './setupPhase';
import { round, roundAll } from './stats';

export async function managedCyclePhase(env: RunEnvironment): Promise<{ setup: FleetSetup; part: RunPart }> {
  const { settings } = env;
  const measured = await env.meter.measure(
    () =>
      runManagedCycles({
        devices: env.devices,
        tenantId: env.tenantId,
        ids: env.ids,
        clock: env.clock,
        events: env.events,
        workerLog: env.workerLog,
        dueAt: env.dueAt,
        concurrency: settings.concurrency,
        queueHost: settings.queueHost,
        settings: settings.managed,
        timeoutMs: settings.timeoutMs,
        log: settings.log,
      }),
    (r) => (r.seeding.measured.realSeconds + r.steady.measured.realSeconds) * 1000,
  );
  const result = measured.result;
  const figures = managedFigures(result);
  await settings.phaseDone('managed-cycle', figures);
  return {
    setup: {
      fleetSetupSeconds: result.setupSeconds,
      disksMs: 0,
      importMs: result.setupSeconds * 1000,
      peaks: measured.peaks,
      perPhasePeaks: true,
    },
    part: {
      figures,
      details: { managedCycle: result },
      requests: {},
      peakRssMiB: { cycle: roundAll(measured.peaks) },
      cpu: { cycle: measured.cpu },
    },
  };
}

export function managedFigures(r: ManagedCycleResult): ManagedCycleFigures {
  const [oneHour, fourHours] = r.fleetSubscriptions;
  return {
    managedSeedingSimulatedSeconds: round(r.seeding.measured.simulatedSeconds),
    managedSeedingRealSeconds: round(r.seeding.measured.realSeconds),
    managedSeedingBoundSeconds: round(r.seeding.bound.seconds),
    managedSeedingBoundRatio: round(r.seeding.boundRatio, 3),
    managedSeedingArmCallsPerDevice: round(r.seeding.measured.armCallsPerDevice.total),
    managedSteadySimulatedSeconds: round(r.steady.measured.simulatedSeconds),
    managedSteadyRealSeconds: round(r.steady.measured.realSeconds),
    managedSteadyBoundSeconds: round(r.steady.bound.seconds),
    managedSteadyBoundRatio: round(r.steady.boundRatio, 3),
    managedSteadyArmCallsPerDevice: round(r.steady.measured.armCallsPerDevice.total),
    managedThrottled: r.seeding.measured.throttled + r.steady.measured.throttled,
    managedOverBudget: r.seeding.measured.overBudget + r.steady.measured.overBudget,
    managedMaxCopiesInFlight: Math.max(
      r.seeding.measured.maxCopiesInFlight,
      r.steady.measured.maxCopiesInFlight,
    ),
    managedSubscriptionsFor50kAt1h: oneHour?.subscriptions ?? Number.NaN,
    managedSubscriptionsFor50kAt4h: fourHours?.subscriptions ?? Number.NaN,
  };
}
