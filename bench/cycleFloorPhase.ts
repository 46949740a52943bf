/**
 * The cycle's floor as a phase of a run (bench/floor.ts): on the same emulators, once the backup
 * account is as the cycle found it, the cycle's storage and queue calls issued bare, with messages
 * as large as the cycle's; compared with the cycle kind by kind.
 */
import { restorePointsContainerName } from '../src/adapters/blob/RestorePointCatalog';
import { resetBackupAccount } from './backupRegion';
import type { CyclePart } from './cyclePhase';
import { calibrateFloorSend, floorMessage, prepareFloor, runFloor } from './floor';
import { phaseRequests, storageDifferences, storagePerDevice } from './phaseRequests';
import { tagged } from './requestCounter';
import type { RunEnvironment } from './runEnvironment';
import type { CycleFloorFigures } from './runFigures';
import type { RunPart } from './runResult';
import { round, roundAll } from './stats';

export async function cycleFloorPhase(env: RunEnvironment, cycle: CyclePart): Promise<RunPart> {
  const { devices, settings, backup, counter } = env;
  // Azurite's cost per request grows with the blobs in the account: the cycle's floor starts from
  // the storage the cycle started from, without the points, temporary devices and markers.
  await resetBackupAccount(backup);
  await tagged('check', () => backup.getContainerClient(restorePointsContainerName).delete());

  // The floor, on the same emulators, with nothing of the control plane running.
  await prepareFloor(env.appSettings);
  // The floor's messages are made as large as the cycle's were (the scheduler may carry more than the request).
  const cycleSends = cycle.tally.byKind['queue:send'] ?? 0;
  const cycleSendBytes = cycleSends > 0 ? (cycle.tally.bytesByKind['queue:send'] ?? 0) / cycleSends : 0;
  const padChars = await calibrateFloorSend(
    env.appSettings,
    floorMessage(env.tenantId, env.ids[0]!, new Date(env.dueAt), 0),
    cycleSendBytes,
    async (send) => {
      counter.begin();
      await send();
      return counter.end().bytesByKind['queue:send'] ?? 0;
    },
  );
  const measured = await env.meter.measure(
    () =>
      runFloor({
        settings: env.appSettings,
        tenantId: env.tenantId,
        ids: env.ids,
        takenAt: new Date(env.dueAt),
        concurrency: settings.concurrency,
        ...settings.queueHost,
        timeoutMs: settings.timeoutMs,
        padChars,
      }),
    (f) => f.wallMs,
  );
  const floor = measured.result;
  settings.log(
    `[bench]   floor: ${(floor.wallMs / 1000).toFixed(1)} s, first after ${(floor.firstMs / 1000).toFixed(2)} s`,
  );
  const requests = phaseRequests(measured.tally, devices, env.config.taskHub);
  const throughput = devices / (floor.wallMs / 1000);
  const figures: CycleFloorFigures = {
    floorSeconds: round(floor.wallMs / 1000),
    floorTimeToFirstSeconds: round(floor.firstMs / 1000),
    floorRestorePointsPerSecond: round(throughput),
    cycleToFloorRatio: round(cycle.throughput / throughput),
    floorStorageRequestsPerDevice: round(storagePerDevice(requests)),
  };
  await settings.phaseDone('floor', figures);
  return {
    figures,
    details: { floor: { sendSeconds: round(floor.sendMs / 1000), messagePadChars: padChars } },
    requests: {
      floor: requests,
      floorVersusCycle: storageDifferences(cycle.phaseRequests, requests),
    },
    peakRssMiB: { floor: roundAll(measured.peaks) },
    cpu: { floor: measured.cpu },
  };
}
