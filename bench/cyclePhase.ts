/**
 * The protection cycle as a phase of a run: the registered `takeRestorePoint` worker behind the
 * local queue host, the compliance report's latency sampled with nothing else running, then the
 * cycle (`runCycle`) with the report probed over HTTP meanwhile; checked by counting the verified
 * points in the backup region.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { restorePointsContainerName } from '../src/adapters/blob/RestorePointCatalog';
import { registeredFunctions, type QueueFunction } from '../src/functions/registry';
import { LocalRegions } from '../src/local/localSettings';
import { startQueueHost } from '../src/local/queueHost';
import { sampleCompliance, startComplianceProbe, type ProbeResult } from './complianceProbe';
import { runCycle, type CycleMeasurement } from './cycle';
import { phaseRequests, storagePerDevice } from './phaseRequests';
import type { Measured } from './processMeter';
import { tagged, type RequestTally } from './requestCounter';
import type { RunEnvironment } from './runEnvironment';
import type { PhaseRequests } from './runDetails';
import type { CycleFigures } from './runFigures';
import type { RunPart } from './runResult';
import { percentile, round, roundAll } from './stats';
import { eventLoopDelay } from './summaries';

/** Compliance requests made before the cycle, one after another. */
const idleComplianceSamples = 20;

/** The cycle's part of the run, and what its floor is compared with. */
export interface CyclePart extends RunPart {
  throughput: number;
  tally: RequestTally;
  phaseRequests: PhaseRequests;
}

export async function cyclePhase(env: RunEnvironment, fleetSetupSeconds: number): Promise<CyclePart> {
  const { devices, settings, workerLog, events } = env;
  const worker = registeredFunctions().filter(
    (f): f is QueueFunction => f.kind === 'queue' && f.name === 'takeRestorePoint',
  );
  if (worker.length !== 1) throw new Error('The takeRestorePoint queue worker is not registered');
  const queueHost = await startQueueHost({
    connection: env.config.workQueue.connection,
    functions: worker,
    options: { maxConcurrentCalls: settings.concurrency, ...settings.queueHost },
    log: workerLog.handler,
  });
  const complianceUrl = `${env.tenantUrl}/compliance?pageSize=50`;
  const eventLoop = monitorEventLoopDelay({ resolution: 10 });
  let idle: ProbeResult;
  let measured: Measured<{ cycle: CycleMeasurement; probed: ProbeResult }>;
  try {
    // The report's latency with nothing else running, to compare with its latency during the cycle.
    await sampleCompliance(complianceUrl, env.readerToken, 2); // warm-up: key set, query plans
    idle = await sampleCompliance(complianceUrl, env.readerToken, idleComplianceSamples);

    // The cycle, with the compliance report probed over HTTP while it runs.
    eventLoop.enable();
    measured = await env.meter.measure(
      async () => {
        const probe = startComplianceProbe(complianceUrl, env.readerToken, settings.probeIntervalMs);
        let cycle: CycleMeasurement;
        let probed: ProbeResult;
        try {
          cycle = await runCycle({
            tenantId: env.tenantId,
            devices,
            clock: env.clock,
            dueAt: env.dueAt,
            events,
            timeoutMs: settings.timeoutMs,
          });
        } catch (err) {
          // What the worker logged tells why a device was not recorded.
          if (err instanceof Error && workerLog.firstProblem)
            err.message += `; worker outcomes ${JSON.stringify(workerLog.outcomes)}, first problem: ${workerLog.firstProblem}`;
          throw err;
        } finally {
          probed = await probe.stop();
        }
        // Handlers still running (the last devices' retention pass, message deletes) belong to the cycle.
        await queueHost.stop();
        return { cycle, probed };
      },
      ({ cycle }) => cycle.wallMs,
    );
  } finally {
    await queueHost.stop(); // at once if the cycle stopped it
    eventLoop.disable();
  }
  const { cycle, probed } = measured.result;
  settings.log(
    `[bench]   cycle: ${seconds(cycle.wallMs).toFixed(1)} s, first after ${seconds(cycle.firstMs).toFixed(2)} s, dispatch ${seconds(cycle.schedulerMs).toFixed(1)} s`,
  );

  const verifiedInBackupRegion = await countVerifiedPoints(env.backup);
  if (verifiedInBackupRegion < devices) {
    throw new Error(
      `Only ${verifiedInBackupRegion} of ${devices} devices have a verified restore point in ${LocalRegions.backup}`,
    );
  }
  const latencies = probed.latenciesMs;
  const throughput = devices / seconds(cycle.wallMs);
  const requests = phaseRequests(measured.tally, devices, env.config.taskHub);
  const { peaks } = measured;
  const figures: CycleFigures = {
    cycleSeconds: round(seconds(cycle.wallMs)),
    timeToFirstSeconds: round(seconds(cycle.firstMs)),
    restorePointsPerSecond: round(throughput),
    cosmosRequestsPerDevice: round(requests.perDevice.cosmos),
    storageRequestsPerDevice: round(storagePerDevice(requests)),
    controlPlanePeakRssMiB: round(peaks.controlPlane, 1),
    azuritePeakRssMiB: round(peaks.azurite, 1),
    cosmosPeakRssMiB: round(peaks.cosmos, 1),
    complianceP50Ms: round(percentile(latencies, 50) ?? Number.NaN, 1),
    complianceP99Ms: round(percentile(latencies, 99) ?? Number.NaN, 1),
    complianceSamples: latencies.length,
    oneHourRpoShare: round(seconds(cycle.wallMs) / 3600, 4),
    devicesPerHourAtThisRate: Math.round(throughput * 3600),
  };
  await settings.phaseDone('cycle', { fleetSetupSeconds, ...figures });
  return {
    figures,
    throughput,
    tally: measured.tally,
    phaseRequests: requests,
    details: {
      cycle: {
        schedulerSeconds: round(seconds(cycle.schedulerMs)),
        dispatched: cycle.dispatched,
        timedBy: cycle.timedBy,
        summaryAllVerifiedSeconds: round(seconds(cycle.summaryAllVerifiedMs)),
        verifiedInBackupRegion,
        workerOutcomes: { ...workerLog.outcomes },
        events: { ...events.counts },
        failures: { ...events.failures },
        workerProblems: workerLog.problems,
        eventLoopDelayMs: eventLoopDelay(eventLoop),
        ...(workerLog.firstProblem ? { firstWorkerProblem: workerLog.firstProblem } : {}),
      },
      compliance: {
        samples: latencies.length,
        errors: probed.errors,
        meanMs: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 1),
        maxMs: round(Math.max(0, ...latencies), 1),
        ...(probed.firstError ? { firstError: probed.firstError } : {}),
        idle: {
          p50Ms: round(percentile(idle.latenciesMs, 50) ?? Number.NaN, 1),
          p99Ms: round(percentile(idle.latenciesMs, 99) ?? Number.NaN, 1),
          errors: idle.errors,
        },
      },
    },
    requests: { cycle: requests },
    peakRssMiB: { cycle: roundAll(peaks) },
    cpu: { cycle: measured.cpu },
  };
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** Verified restore points in the backup region's container (what the cycle must have produced). */
async function countVerifiedPoints(backup: BlobServiceClient): Promise<number> {
  return await tagged('check', async () => {
    let verified = 0;
    for await (const item of backup
      .getContainerClient(restorePointsContainerName)
      .listBlobsFlat({ includeMetadata: true })) {
      if (item.metadata?.['verified'] === 'true') verified += 1;
    }
    return verified;
  });
}
