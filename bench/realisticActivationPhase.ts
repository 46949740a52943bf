/**
 * Only with `--activation-latency` and/or `--activation-capacity`: one more activation after the
 * first was deactivated, with the simulated provider's provisioning latency and capacity in the
 * backup region (the services built again with that setting), and the recovery worker's own
 * timings (it checks a device still provisioning every 10 s by default). It ends `completed`, or
 * once every device dispatched is recovered or waiting for capacity: the simulated provider frees
 * capacity only when temporary devices are deleted, so with fewer than N the rest would wait until
 * a deactivation. Its failure is recorded in its place and does not lose the run's figures.
 */
import { randomUUID } from 'node:crypto';
import { ensureErrorType } from '../src/domain/errors';
import { LocalRegions } from '../src/local/localSettings';
import { nonZero, runActivation, waveTimes, type ActivationStatus } from './activation';
import { checkCreations } from './backupRegion';
import { phaseRequests, storagePerDevice } from './phaseRequests';
import type { RecoveryDrivers } from './recoveryDrivers';
import type { RunEnvironment } from './runEnvironment';
import type { RealisticActivation } from './runDetails';
import type { SharedSettings } from './settings';
import { round } from './stats';
import { roundWaves, statusProbeDetails } from './summaries';

type Realistic = NonNullable<SharedSettings['realistic']>;

export async function realisticActivationPhase(
  env: RunEnvironment,
  drivers: RecoveryDrivers,
  realistic: Realistic,
): Promise<RealisticActivation | { error: string }> {
  return await realisticActivation(env, drivers, realistic).catch((err: unknown) => {
    const error = `${ensureErrorType(err).message}; worker outcomes ${JSON.stringify(drivers.recoveryLog.outcomes)}`;
    env.settings.log(`[bench]   the activation with latency and capacity failed: ${error}`);
    return { error };
  });
}

async function realisticActivation(
  env: RunEnvironment,
  drivers: RecoveryDrivers,
  { provisioningMs, capacity }: Realistic,
): Promise<RealisticActivation> {
  const { events, ids } = env;
  const region = { provisioningMs, ...(capacity !== null ? { capacity } : {}) };
  await env.reinstallServices(JSON.stringify({ [LocalRegions.backup]: region }));
  drivers.recoveryLog.reset();
  const count = (s: ActivationStatus, state: string) => s.counts[state] ?? 0;
  const { result: a, tally } = await env.meter.measure(
    () =>
      runActivation({
        api: drivers.api,
        idempotencyKey: `bench-realistic-${randomUUID()}`,
        events,
        probeIntervalMs: env.settings.probeIntervalMs,
        // Each of the three waves waits at least one provisioning and one check of the worker's.
        timeoutMs: env.settings.timeoutMs + 6 * (provisioningMs + 10_000),
        stopWhen: (s) =>
          s.state === 'recovering' &&
          count(s, 'queued') === 0 &&
          count(s, 'provisioning') === 0 &&
          count(s, 'waiting-for-capacity') > 0,
      }),
    (m) => m.wallMs,
  );
  const eventCounts = { ...events.counts };
  const recovered = count(a.status, 'recovered');
  const creations = await checkCreations(env.compute(), a.activationId, ids);
  if (creations.duplicated > 0 || creations.total !== recovered) {
    throw new Error(
      `The activation with latency and capacity recovered ${recovered} devices with ${creations.total} creations ` +
        `(${creations.duplicated} names more than once): each device must be created exactly once` +
        (creations.firstProblem ? ` (${creations.firstProblem})` : ''),
    );
  }
  if (!a.stoppedEarly && recovered !== ids.length) {
    throw new Error(
      `The activation with latency and capacity completed with ${recovered} of ${ids.length} devices recovered: ` +
        JSON.stringify(nonZero(a.status.counts)),
    );
  }
  const rtoSeconds = a.lastRecoveredMs !== undefined ? round(a.lastRecoveredMs / 1000) : null;
  const requests = phaseRequests(tally, Math.max(1, recovered), env.config.taskHub);
  env.settings.log(
    `[bench]   activation with ${provisioningMs} ms provisioning, capacity ${capacity ?? 'unlimited'}: ` +
      `${a.stoppedEarly ? 'capacity exhausted' : 'completed'} after ${(a.wallMs / 1000).toFixed(1)} s, ` +
      `${recovered} recovered, RTO ${rtoSeconds ?? '—'} s`,
  );
  return {
    provisioningMs,
    capacity,
    outcome: a.stoppedEarly ? 'capacity-exhausted' : 'completed',
    wallSeconds: round(a.wallMs / 1000),
    rtoSeconds,
    reportRtoSeconds: a.stoppedEarly ? null : (a.status.rtoSeconds ?? null),
    firstSeconds: a.firstMs !== undefined ? round(a.firstMs / 1000) : null,
    recovered,
    devicesPerSecond: rtoSeconds ? round(recovered / rtoSeconds) : null,
    counts: nonZero(a.status.counts),
    waves: roundWaves(waveTimes(a.status)),
    creations,
    workerOutcomes: { ...drivers.recoveryLog.outcomes },
    redispatchedTasks: events.redispatchedTasks,
    events: eventCounts,
    status: statusProbeDetails(a.probe),
    cosmosRequestsPerDevice: round(requests.perDevice.cosmos),
    storageRequestsPerDevice: round(storagePerDevice(requests)),
  };
}
