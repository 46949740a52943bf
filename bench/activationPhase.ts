/**
 * The activation as a phase of a run: the primary region activated over HTTP, every device
 * recovered into the backup region from its verified point, on the system's clock; checked that
 * each device was recovered and its temporary device created exactly once.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nonZero, runActivation, waveTimes, type ActivationMeasurement } from './activation';
import { checkCreations } from './backupRegion';
import { phaseRequests, storagePerDevice } from './phaseRequests';
import type { RecoveryDrivers } from './recoveryDrivers';
import type { RunEnvironment } from './runEnvironment';
import type { PhaseRequests } from './runDetails';
import type { ActivationPhaseFigures } from './runFigures';
import type { RunPart } from './runResult';
import { percentile, round, roundAll } from './stats';
import { eventLoopDelay, roundWaves, snapshotLog, statusProbeDetails } from './summaries';
import { rtoWindowSeconds, targetDevices } from './targets';

/** The activation's part of the run, and what the deactivation and the floor need of it. */
export interface ActivationPart extends RunPart {
  figures: ActivationPhaseFigures;
  measurement: ActivationMeasurement;
  phaseRequests: PhaseRequests;
  /** Devices recovered per second: what the floor's throughput is compared with. */
  throughput: number;
}

export async function activationPhase(
  env: RunEnvironment,
  drivers: RecoveryDrivers,
): Promise<ActivationPart> {
  const { devices, settings, events } = env;
  const eventLoop = monitorEventLoopDelay({ resolution: 10 });
  eventLoop.enable();
  let activated;
  try {
    activated = await env.meter.measure(
      () =>
        drivers.withLogs(() =>
          runActivation({
            api: drivers.api,
            idempotencyKey: `bench-${env.run}-${randomUUID()}`,
            events,
            probeIntervalMs: settings.probeIntervalMs,
            timeoutMs: settings.timeoutMs,
          }),
        ),
      (a) => a.wallMs,
    );
  } finally {
    eventLoop.disable();
  }
  const activation = activated.result;
  const activationEvents = { ...events.counts };
  const redispatchedTasks = events.redispatchedTasks;
  const worker = snapshotLog(drivers.recoveryLog);
  const driver = snapshotLog(drivers.driverLog);
  const creations = await checkCreations(env.compute(), activation.activationId, env.ids);
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
        (drivers.recoveryLog.firstProblem ? `; worker: ${drivers.recoveryLog.firstProblem}` : ''),
    );
  }
  settings.log(
    `[bench]   activation: ${seconds(activation.wallMs).toFixed(1)} s, first after ${seconds(activation.firstMs ?? Number.NaN).toFixed(2)} s, ` +
      `waves ${waveTimes(activation.status)
        .map((w) => `${w.label} ${w.seconds?.toFixed(1) ?? '?'} s`)
        .join(', ')}`,
  );
  const requests = phaseRequests(activated.tally, devices, env.config.taskHub);
  const throughput = devices / seconds(activation.wallMs);
  const statusLatencies = activation.probe.latenciesMs;
  const figures: ActivationPhaseFigures = {
    activationSeconds: round(seconds(activation.wallMs)),
    activationTimeToFirstSeconds: round(seconds(activation.firstMs ?? Number.NaN)),
    activationDevicesPerSecond: round(throughput),
    activationRtoSeconds: activation.status.rtoSeconds ?? Number.NaN,
    activationCosmosRequestsPerDevice: round(requests.perDevice.cosmos),
    activationStorageRequestsPerDevice: round(storagePerDevice(requests)),
    activationControlPlanePeakRssMiB: round(activated.peaks.controlPlane, 1),
    activationAzuritePeakRssMiB: round(activated.peaks.azurite, 1),
    activationCosmosPeakRssMiB: round(activated.peaks.cosmos, 1),
    activationStatusP50Ms: round(percentile(statusLatencies, 50) ?? Number.NaN, 1),
    activationStatusP99Ms: round(percentile(statusLatencies, 99) ?? Number.NaN, 1),
    activationStatusSamples: statusLatencies.length,
    fourHourRtoShareAt50k: round(targetDevices / throughput / rtoWindowSeconds, 4),
  };
  await settings.phaseDone('activation', figures);
  return {
    figures,
    measurement: activation,
    phaseRequests: requests,
    throughput,
    details: {
      activation: {
        activationId: activation.activationId,
        timedBy: activation.timedBy,
        counts: nonZero(activation.status.counts),
        planningSeconds: round(
          seconds(Date.parse(activation.status.plannedAt ?? '') - Date.parse(activation.status.requestedAt)),
        ),
        waves: roundWaves(waveTimes(activation.status)),
        redispatchedTasks,
        lastRecoveredSeconds: round(seconds(activation.lastRecoveredMs ?? Number.NaN)),
        recoveredEvents: activation.recoveredEvents,
        creations,
        workerOutcomes: worker.outcomes,
        workerProblems: worker.problems,
        ...(worker.firstProblem ? { firstWorkerProblem: worker.firstProblem } : {}),
        driverProblems: driver.problems,
        ...(driver.firstProblem ? { firstDriverProblem: driver.firstProblem } : {}),
        events: activationEvents,
        eventLoopDelayMs: eventLoopDelay(eventLoop),
        status: statusProbeDetails(activation.probe),
      },
    },
    requests: { activation: requests },
    peakRssMiB: { activation: roundAll(activated.peaks) },
    cpu: { activation: activated.cpu },
  };
}

function seconds(ms: number): number {
  return ms / 1000;
}
