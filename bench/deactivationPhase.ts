/**
 * The deactivation as a phase of a run: the activation deactivated over HTTP, every temporary
 * device deleted; checked that every device was released and none of its temporary devices is
 * left in the backup region.
 */
import { nonZero, runDeactivation } from './activation';
import { temporaryDevicesLeft } from './backupRegion';
import { phaseRequests, storagePerDevice } from './phaseRequests';
import type { RecoveryDrivers } from './recoveryDrivers';
import type { RunEnvironment } from './runEnvironment';
import type { DeactivationFigures } from './runFigures';
import type { RunPart } from './runResult';
import { round, roundAll } from './stats';
import { snapshotLog, statusProbeDetails } from './summaries';

export async function deactivationPhase(
  env: RunEnvironment,
  drivers: RecoveryDrivers,
  activationId: string,
): Promise<RunPart> {
  const { devices, settings, events } = env;
  drivers.recoveryLog.reset();
  const deactivated = await env.meter.measure(
    () =>
      drivers.withLogs(() =>
        runDeactivation({
          api: drivers.api,
          activationId,
          events,
          probeIntervalMs: settings.probeIntervalMs,
          timeoutMs: settings.timeoutMs,
        }),
      ),
    (d) => d.wallMs,
  );
  const deactivation = deactivated.result;
  const deactivationEvents = { ...events.counts };
  const worker = snapshotLog(drivers.recoveryLog);
  const devicesLeft = await temporaryDevicesLeft(env.compute(), activationId);
  if (deactivation.status.counts['released'] !== devices || devicesLeft !== 0) {
    throw new Error(
      `The deactivation released ${deactivation.status.counts['released'] ?? 0} of ${devices} devices ` +
        `and left ${devicesLeft} temporary devices`,
    );
  }
  const wallSeconds = deactivation.wallMs / 1000;
  settings.log(`[bench]   deactivation: ${wallSeconds.toFixed(1)} s`);
  const requests = phaseRequests(deactivated.tally, devices, env.config.taskHub);
  const figures: DeactivationFigures = {
    deactivationSeconds: round(wallSeconds),
    deactivationDevicesPerSecond: round(devices / wallSeconds),
    deactivationCosmosRequestsPerDevice: round(requests.perDevice.cosmos),
    deactivationStorageRequestsPerDevice: round(storagePerDevice(requests)),
  };
  await settings.phaseDone('deactivation', figures);
  return {
    figures,
    details: {
      deactivation: {
        timedBy: deactivation.timedBy,
        counts: nonZero(deactivation.status.counts),
        temporaryDevicesLeft: devicesLeft,
        workerOutcomes: worker.outcomes,
        workerProblems: worker.problems,
        ...(worker.firstProblem ? { firstWorkerProblem: worker.firstProblem } : {}),
        events: deactivationEvents,
        status: statusProbeDetails(deactivation.probe),
      },
    },
    requests: { deactivation: requests },
    peakRssMiB: { deactivation: roundAll(deactivated.peaks) },
    cpu: { deactivation: deactivated.cpu },
  };
}
