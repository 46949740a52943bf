/**
 * The activation's floor as a phase of a run (bench/activationFloor.ts), once the orchestration
 * driver and the recovery worker have stopped: from the storage the activation started from, its
 * storage and queue calls issued bare; compared with the activation kind by kind, with the task
 * hub's requests and without.
 */
import { waveTimes } from './activation';
import type { ActivationPart } from './activationPhase';
import { prepareActivationFloor, runActivationFloor } from './activationFloor';
import { describeError } from './describeError';
import { phaseRequests, storageDifferences, storagePerDevice, withoutTaskHub } from './phaseRequests';
import type { RunEnvironment } from './runEnvironment';
import type { ActivationFloorFigures } from './runFigures';
import type { RunPart } from './runResult';
import { round, roundAll } from './stats';

export async function activationFloorPhase(
  env: RunEnvironment,
  activation: ActivationPart,
): Promise<RunPart> {
  const { devices, settings } = env;
  const { activationId, status } = activation.measurement;
  await prepareActivationFloor(env.appSettings);
  const measured = await env.meter.measure(
    () =>
      runActivationFloor({
        settings: env.appSettings,
        tenantId: env.tenantId,
        activationId,
        ids: env.ids,
        activationAuditRecords: 3 + waveTimes(status).length,
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
  const floor = measured.result;
  settings.log(
    `[bench]   activation floor: ${(floor.wallMs / 1000).toFixed(1)} s, first after ${(floor.firstMs / 1000).toFixed(2)} s`,
  );
  const requests = phaseRequests(measured.tally, devices, env.config.taskHub);
  const throughput = devices / (floor.wallMs / 1000);
  const figures: ActivationFloorFigures = {
    activationFloorSeconds: round(floor.wallMs / 1000),
    activationFloorDevicesPerSecond: round(throughput),
    activationToFloorRatio: round(activation.throughput / throughput),
    activationFloorStorageRequestsPerDevice: round(storagePerDevice(requests)),
  };
  await settings.phaseDone('activation floor', figures);
  return {
    figures,
    details: {
      activationFloor: { sendSeconds: round(floor.sendMs / 1000), redeliveries: floor.redeliveries },
    },
    requests: {
      activationFloor: requests,
      floorVersusActivation: storageDifferences(activation.phaseRequests, requests),
      floorVersusRecoveryPath: storageDifferences(
        withoutTaskHub(activation.phaseRequests, env.config.taskHub),
        requests,
      ),
    },
    peakRssMiB: { activationFloor: roundAll(measured.peaks) },
    cpu: { activationFloor: measured.cpu },
  };
}
