/**
 * One `recovery-arm-product` run: the same recovery as `recovery-arm` (recoveryArm.ts), through the
 * product's whole path instead of a driver standing in for it: Azure settings
 * (`COMPUTE_PROVIDER=azure`), the fleet registered and protected by the product
 * (recoveryProductFleet.ts), then the region activated over HTTP as an operator would, recovered by
 * the registered orchestration and `recoverDevice` queue worker through Cosmos DB, the queue and the
 * composition root's AzureComputeProvider and pacer, against the ARM double at the documented
 * limits (429s enforced). Compared with the same bound (recoveryBound.ts).
 *
 * Time: the set-up runs fast-forwarded (armFastForward.ts); the activation at the double's own
 * `timeScale`, where every product timing is simulated (recoveryProductEnvironment.ts). The RTO is
 * simulated, from the activation's POST to the last `recovery.recovered`, so it includes what the
 * direct run leaves out: planning, the wave's dispatch, the queue, and the worker's Cosmos reads and
 * writes, each real millisecond of them counting ×timeScale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { installedStores } from '../src/compositionRoot';
import type { BucketCounters } from '../src/adapters/arm/pacing/PacedBucket';
import { temporaryDeviceName } from '../src/domain/recoveryTask';
import type { EventLog } from '../src/ports/EventLog';
import { LocalRegions } from '../src/local/localSettings';
import { startArmDouble, type ArmDouble, type ArmDoubleStats } from '../test/support/arm/startArmDouble';
import { runActivation, type ActivationStatus } from './activation';
import { fastForward } from './armFastForward';
import { BenchClock, EventRecorder } from './cycle';
import { deviceIds } from './fleet';
import { devicesWithoutHostPool, recoveryBound, type RecoveryBound } from './recoveryBound';
import {
  exactlyOnce,
  lastVmPutSeconds,
  readyFigures,
  type ExactlyOnce,
  type ReadyFigures,
} from './recoveryFigures';
import { startRecoveryProductEnvironment } from './recoveryProductEnvironment';
import { protectOnce, setUpRecoveryProductFleet } from './recoveryProductFleet';

export interface RecoveryArmProductSettings {
  devices: number;
  /** Simulated seconds per real second during the activation. */
  timeScale: number;
  /** Simulated seconds per real second during the set-up (registration and protection). */
  setupScale: number;
  groupsPerSubscription: number;
  /** The provisioning model the double runs (rule vm.provisioning.model, assumed). */
  vmProvisionSeconds: number;
  agentReadySeconds: number;
  diskGiB: number;
  size: string;
  fallbackSizes: string[];
  /** How often the status URL is read while the activation runs, real ms (an admin's portal). */
  probeIntervalMs: number;
  /** Longest real wait for the set-up, and for the activation. */
  timeoutMinutes: number;
  log: (line: string) => void;
}

export const defaultRecoveryArmProductSettings: Omit<RecoveryArmProductSettings, 'devices' | 'log'> = {
  timeScale: 1,
  setupScale: 600,
  groupsPerSubscription: 2,
  vmProvisionSeconds: 90,
  agentReadySeconds: 30,
  diskGiB: 64,
  size: 'Standard_D2s_v5',
  fallbackSizes: ['Standard_D2as_v5', 'Standard_D4s_v5'],
  probeIntervalMs: 1_000,
  timeoutMinutes: 120,
};

export interface RecoveryArmProductResult extends ReadyFigures {
  path: 'product';
  settings: Omit<RecoveryArmProductSettings, 'log'> & { subscriptions: 1 };
  /** Real seconds: emulators and services; the fleet's registration; its protection cycle. */
  setupSeconds: { environment: number; fleet: number; protection: number };
  /** Real seconds from the POST to the last device recovered. */
  realSeconds: number;
  /** Simulated seconds from the POST to the first ARM call of the recovery (planning, dispatch, queue). */
  firstArmCallSeconds: number;
  /** Simulated seconds from the POST to the activation `completed`. */
  completedSeconds: number;
  lastVmPutSeconds: number;
  bound: RecoveryBound;
  boundRatio: number;
  devices: { ready: number; failed: number; timedOut: boolean };
  exactlyOnce: ExactlyOnce;
  /** ARM calls the double answered (every attempt, 429s included), per device, by bucket and method. */
  armCallsPerDevice: {
    total: number;
    read: number;
    write: number;
    delete: number;
    byMethod: Record<string, number>;
  };
  throttled: { arm: number; computePutVm: number };
  overBudget: number;
  maxVmPutsPerMinute: number;
  pacer: BucketCounters;
  /** The activation's own status at its end. */
  status: { state: string; counts: Record<string, number>; waves: number };
  events: Record<string, number>;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const hourMs = 3_600_000;

export async function runRecoveryArmProduct(
  s: RecoveryArmProductSettings,
): Promise<RecoveryArmProductResult> {
  const { log, ...settings } = s;
  const double = await startArmDouble({
    timeScale: s.timeScale,
    throttling: 'enforce',
    vmProvisionSeconds: s.vmProvisionSeconds,
    agentReadySeconds: s.agentReadySeconds,
  });
  const stops: (() => Promise<void> | void)[] = [() => double.close()];
  try {
    const recorder = new EventRecorder();
    // Each device's `recovery.recovered` on ARM's clock: the simulated time it was ready at.
    const recoveredAt: number[] = [];
    const events: EventLog = {
      emit: (event, properties) => {
        if (event === 'recovery.recovered') recoveredAt.push(double.clock());
        recorder.emit(event, properties);
      },
    };
    // Registered two hours ago: the protection cycle an hour later is in the past by the time
    // the activation runs on the system's clock.
    const clock = new BenchClock(Math.floor(Date.now() / 1000) * 1000 - 2 * hourMs);
    const forward = fastForward(double, s.setupScale);
    stops.push(() => forward.stop());
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const seconds = round((now - mark) / 1000);
      mark = now;
      return seconds;
    };
    const env = await startRecoveryProductEnvironment(double, clock, events, {
      timeScale: s.timeScale,
      setupScale: s.setupScale,
    });
    stops.push(() => env.stop());
    const environment = lap();
    const ids = deviceIds(s.devices);
    await setUpRecoveryProductFleet(double, {
      tenantId: env.tenantId,
      ids,
      diskGiB: s.diskGiB,
      size: s.size,
      fallbackSizes: s.fallbackSizes,
      groupsPerSubscription: s.groupsPerSubscription,
    });
    const fleet = lap();
    await protectOnce({
      tenantId: env.tenantId,
      ids,
      clock,
      events: recorder,
      timeoutMs: s.timeoutMinutes * 60_000,
    });
    const protection = lap();
    log(
      `[bench]   recovery-arm-product: ${s.devices} devices registered in ${fleet} s and protected in ${protection} s (real, at ${s.setupScale}× ARM time)`,
    );
    forward.stop();
    // Every bucket full at the start, as the bound assumes (the set-up's calls were in the past).
    double.advance(60_000);
    // The activation runs on the system's clock, as the product's records of it do.
    clock.followSystemClock();

    const before = double.stats();
    const pacerBefore = installedStores().armPacer.totals();
    const startedAt = double.clock();
    const firstCall = watchFirstCall(double, before.totalCalls);
    const progress = setInterval(
      () =>
        log(
          `[bench]     ${((double.clock() - startedAt) / 1000).toFixed(0)} simulated s: ${recoveredAt.length} recovered, ${recorder.counts['recovery.failed'] ?? 0} failed`,
        ),
      15_000,
    );
    let activation;
    try {
      activation = await runActivation({
        api: env.api,
        idempotencyKey: `bench-${Date.now()}`,
        events: recorder,
        probeIntervalMs: s.probeIntervalMs,
        timeoutMs: s.timeoutMinutes * 60_000,
      });
    } finally {
      clearInterval(progress);
    }
    const completedAt = double.clock();
    const firstCallAt = await firstCall.stop();
    const after = double.stats();
    const pacerAfter = installedStores().armPacer.totals();

    const figures = readyFigures(startedAt, recoveredAt);
    const snapshotOf = await recoveredFrom(env.tenantId, activation.activationId, ids);
    const bound = recoveryBound(
      { devices: s.devices, subscriptions: 1, ...devicesWithoutHostPool },
      { vmSeconds: s.vmProvisionSeconds, agentSeconds: s.agentReadySeconds, registrationSeconds: 0 },
    );
    const calls = armCalls(after, before, s.devices);
    const status: ActivationStatus = activation.status;
    return {
      path: 'product',
      settings: { ...settings, subscriptions: 1 },
      setupSeconds: { environment, fleet, protection },
      realSeconds: round((activation.lastRecoveredMs ?? Number.NaN) / 1000),
      ...figures,
      firstArmCallSeconds: round(((firstCallAt ?? Number.NaN) - startedAt) / 1000),
      completedSeconds: round((completedAt - startedAt) / 1000),
      lastVmPutSeconds: lastVmPutSeconds(double.vms(), startedAt),
      bound,
      boundRatio: round(bound.seconds / figures.rtoSeconds, 3),
      devices: {
        ready: status.counts['recovered'] ?? 0,
        failed: status.counts['failed'] ?? 0,
        timedOut: false,
      },
      exactlyOnce: exactlyOnce({ vms: double.vms(), disks: double.disks(), nics: double.nics() }, snapshotOf),
      armCallsPerDevice: calls,
      throttled: {
        arm: after.throttled - before.throttled,
        computePutVm: after.compute.computeThrottled - before.compute.computeThrottled,
      },
      overBudget: after.overBudget - before.overBudget,
      maxVmPutsPerMinute: after.compute.maxVmPutsPerMinute.reduce((m, e) => Math.max(m, e.count), 0),
      pacer: difference(pacerAfter, pacerBefore),
      status: { state: status.state, counts: status.counts, waves: status.waveProgress.length },
      events: { ...recorder.counts },
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/**
 * The simulated time of the first ARM call after `callsBefore`, sampled every 20 real ms (the
 * double counts every request it answers; nothing else calls it once the set-up is done).
 */
function watchFirstCall(double: ArmDouble, callsBefore: number): { stop(): Promise<number | undefined> } {
  let seen: number | undefined;
  let stopped = false;
  const watching = (async () => {
    while (!stopped && seen === undefined) {
      if (double.stats().totalCalls > callsBefore) seen = double.clock();
      else await sleep(20);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await watching;
      return seen;
    },
  };
}

/** Each temporary device's name → the snapshot of its device's latest verified point (the one it must come from). */
async function recoveredFrom(
  tenantId: string,
  activationId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const points = installedStores().managedPoints;
  const out = new Map<string, string>();
  for (const id of ids) {
    const latest = (await points.list(LocalRegions.backup, tenantId, id)).find((p) => p.verified);
    out.set(temporaryDeviceName(activationId, id), latest?.snapshotArmId ?? '');
  }
  return out;
}

/** The ARM calls between two readings of the double's counters, per device: by bucket and by method. */
function armCalls(
  after: ArmDoubleStats,
  before: ArmDoubleStats,
  devices: number,
): RecoveryArmProductResult['armCallsPerDevice'] {
  const byMethod = (stats: ArmDoubleStats) => {
    const out: Record<string, number> = {};
    for (const c of stats.callsBy)
      if (c.subscriptionId !== '-') out[c.method] = (out[c.method] ?? 0) + c.count;
    return out;
  };
  const delta = difference(byMethod(after), byMethod(before));
  const sum = (...methods: string[]) => methods.reduce((total, m) => total + (delta[m] ?? 0), 0);
  const per = (x: number) => round(x / devices, 3);
  const write = sum('PUT', 'POST', 'PATCH');
  const read = sum('GET', 'HEAD');
  const del = sum('DELETE');
  return {
    total: per(write + read + del),
    read: per(read),
    write: per(write),
    delete: per(del),
    byMethod: Object.fromEntries(Object.entries(delta).map(([m, n]) => [m, per(n)])),
  };
}

function difference<T extends object>(after: T, before: T): T {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after))
    if (typeof value === 'number') out[key] = value - ((before as Record<string, number>)[key] ?? 0);
  return out as T;
}
