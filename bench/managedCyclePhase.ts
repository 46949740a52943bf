/**
 * The managed-disk protection cycle as a phase (`--only managed-cycle`): the ARM double at the
 * documented limits (429s enforced) on a stated copy model, the product installed against it
 * with its own timings scaled to the double's clock, the registered `takeRestorePoint` worker
 * behind the queue host and the registered `grantCopySlots` timer; then the seeding cycle and,
 * an hour of changes later, a steady one, each against the bound the limits imply
 * (managedCycleBound.ts). The ARM calls the fleet's registration makes are not in either cycle.
 */
import { installServices, services } from '../src/compositionRoot';
import { fleetSubscriptions } from '../src/domain/armCapacity';
import { registeredFunctions, type QueueFunction } from '../src/functions/registry';
import { startQueueHost } from '../src/local/queueHost';
import { startArmDouble } from '../test/support/arm/startArmDouble';
import type { BenchClock, EventRecorder, WorkerLog } from './cycle';
import { runManagedCycle, type ManagedCycleMeasurement } from './managedCycle';
import { RecordedPoints } from './managedCycleRecorded';
import type { SlotTimeline, Spread } from './managedCycleSlotTimeline';
import { cycleBound, type CycleBound } from './managedCycleBound';
import type { ManagedCycleSettings } from './managedCycleSettings';
import { setUpManagedFleet } from './managedFleet';
import { pacerOnDoubleClock } from './pacerOnDoubleClock';
import { startScaledTimer } from './scaledTimer';
import { round } from './stats';

const hourMs = 3_600_000;
/** Long enough for every bucket to refill from empty (200 ÷ 10/s): each cycle starts on full buckets. */
const bucketRefillMs = 30_000;

export interface ManagedCycleContext {
  devices: number;
  tenantId: string;
  ids: readonly string[];
  clock: BenchClock;
  events: EventRecorder;
  workerLog: WorkerLog;
  /** When every device's first slot is due on the business clock; the steady cycle is an hour later. */
  dueAt: number;
  concurrency: number;
  queueHost: { visibilityTimeoutInMs: number; minPollIntervalInMs: number; maxPollIntervalInMs: number };
  settings: ManagedCycleSettings;
  /** Longest real wait for each cycle. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface ManagedCycleResult {
  seeding: CycleReport;
  steady: CycleReport;
  /** Subscriptions per backup region a 50,000-device fleet needs (armCapacity.ts, its stated assumptions). */
  fleetSubscriptions: { rpoHours: number; subscriptions: number; binding: string; copyMinutes: number }[];
  setupSeconds: number;
  slotTimer: { runs: number; failures: number; firstFailure?: string };
  workerOutcomes: Record<string, number>;
  workerProblems: number;
  firstWorkerProblem?: string;
  settings: ManagedCycleSettings;
}

export interface CycleReport {
  measured: ManagedCycleMeasurement;
  bound: CycleBound;
  /** bound ÷ measured, both simulated seconds (target ≥ 0.9). */
  boundRatio: number;
}

export async function runManagedCycles(ctx: ManagedCycleContext): Promise<ManagedCycleResult> {
  const { settings: s, devices } = ctx;
  const scaled = (seconds: number) => Math.max(1, Math.round((seconds * 1000) / s.timeScale));
  const double = await startArmDouble({
    timeScale: s.timeScale,
    throttling: 'enforce',
    copyGiBPerHour: s.copy.gibPerHour,
    copyMinimumMs: s.copy.minimumSeconds * 1000,
  });
  const stops: (() => Promise<void> | void)[] = [() => double.close()];
  try {
    installServices({
      clock: ctx.clock,
      events: ctx.events,
      worker: {
        checkDelayInMs: scaled(s.copyPollSeconds),
        minCopyCheckDelayInMs: scaled(s.copyCheckSeconds.min),
        maxCopyCheckDelayInMs: scaled(s.copyCheckSeconds.max),
        slotWaitCheckDelayInMs: scaled(s.slotWaitCheckSeconds),
        snapshotCheckDelayInMs: scaled(s.snapshotCheckSeconds),
        retryBaseDelayInMs: scaled(15),
        retryMaxDelayInMs: scaled(600),
      },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        pollIntervalInMs: scaled(s.operationPollSeconds),
        pacer: { timer: pacerOnDoubleClock(double, s.timeScale) },
        store: {
          contentSampleEvery: s.contentSampleEvery,
          // The store judges a stuck copy on the wall clock: its 6 hours of simulated time.
          copyTimeoutInMs: scaled(6 * 3600),
        },
      },
    });
    const recorded = new RecordedPoints();
    const setupStarted = performance.now();
    const fleet = await setUpManagedFleet(double, ctx.tenantId, ctx.ids, s.diskGiB);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    ctx.log(`[bench]   managed fleet: ${devices} disks and devices in ${setupSeconds.toFixed(1)} s`);

    const worker = registeredFunctions().filter(
      (f): f is QueueFunction => f.kind === 'queue' && f.name === 'takeRestorePoint',
    );
    const queueHost = await startQueueHost({
      connection: services().config.workQueue.connection,
      functions: worker,
      options: { maxConcurrentCalls: ctx.concurrency, ...ctx.queueHost, maxDeliveryCount: 10 },
      log: recorded.handler(ctx.workerLog.handler),
    });
    stops.push(() => queueHost.stop());
    const slotTimer = startScaledTimer('grantCopySlots', scaled(s.slotTickSeconds));
    stops.push(() => slotTimer.stop());

    const protocol = {
      devices,
      copy: s.copy,
      operationSeconds: double.stats().limits.lroMs / 1000,
      operationPollSeconds: s.operationPollSeconds,
      copyPollSeconds: s.copyPollSeconds,
      contentSampleEvery: s.contentSampleEvery,
    };
    const cycle = async (name: string, dueAt: number, copyGiB: number, deletesPerDevice: number) => {
      const bound = cycleBound({ ...protocol, copyGiB, deletesPerDevice });
      double.advance(bucketRefillMs);
      let measured: ManagedCycleMeasurement;
      try {
        measured = await runManagedCycle({
          double,
          clock: ctx.clock,
          events: ctx.events,
          devices,
          dueAt,
          fleet: { tenantId: ctx.tenantId, ids: ctx.ids },
          recorded,
          // The run's limit, or three times the bound in real time: a cycle cannot beat its bound.
          timeoutMs: Math.max(ctx.timeoutMs, 60_000 + (3 * bound.seconds * 1000) / s.timeScale),
        });
      } catch (err) {
        if (err instanceof Error && ctx.workerLog.firstProblem)
          err.message += `; worker outcomes ${JSON.stringify(ctx.workerLog.outcomes)}, first problem: ${ctx.workerLog.firstProblem}`;
        throw err;
      }
      const report: CycleReport = { measured, bound, boundRatio: bound.seconds / measured.simulatedSeconds };
      ctx.log(
        `[bench]   managed ${name}: ${measured.simulatedSeconds.toFixed(0)} simulated s (${measured.realSeconds.toFixed(1)} real s), ` +
          `bound ${bound.seconds.toFixed(0)} s (${bound.binding}), ratio ${report.boundRatio.toFixed(2)}, ` +
          `${measured.armCallsPerDevice.total.toFixed(1)} ARM calls/device, 429s ${measured.throttled}, over budget ${measured.overBudget}, ` +
          `max copies in flight ${measured.maxCopiesInFlight}; ${describeSlots(measured.slots)}, first protected ${measured.firstSimulatedSeconds.toFixed(0)} s`,
      );
      return report;
    };
    ctx.workerLog.reset();
    const seeding = await cycle('seeding cycle', ctx.dueAt, s.diskGiB, 0);
    // An hour of work on each desktop: what the next incremental copy moves.
    const changed = s.changedGiBPerHour;
    for (const diskId of fleet.disks.values()) double.writeToDisk(diskId, changed);
    // Retention keeps one point: the seed's copy is pruned and its source released (2 deletes).
    const steady = await cycle('steady cycle', ctx.dueAt + hourMs, changed, 2);
    await queueHost.stop();
    await slotTimer.stop();
    return {
      seeding,
      steady,
      fleetSubscriptions: fleetSubscriptions().map(({ rpoHours, need }) => ({
        rpoHours,
        subscriptions: need.subscriptions,
        binding: need.binding,
        copyMinutes: round(need.copyMinutes),
      })),
      setupSeconds: round(setupSeconds),
      slotTimer: {
        runs: slotTimer.runs,
        failures: slotTimer.failures,
        ...(slotTimer.firstFailure ? { firstFailure: slotTimer.firstFailure } : {}),
      },
      workerOutcomes: { ...ctx.workerLog.outcomes },
      workerProblems: ctx.workerLog.problems,
      ...(ctx.workerLog.firstProblem ? { firstWorkerProblem: ctx.workerLog.firstProblem } : {}),
      settings: s,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** The slot timeline in one line: when every slot was busy, and what a slot's handover cost. */
function describeSlots(slots: SlotTimeline): string {
  const each = (name: string, s: Spread | undefined) =>
    s ? `${name} ${s.meanSeconds.toFixed(1)} mean / ${s.maxSeconds.toFixed(0)} max` : `${name} n/a`;
  return (
    `slots all busy at ${slots.allSlotsBusySeconds.toFixed(0)} s, last copy ended at ${slots.lastEndSeconds.toFixed(0)} s; ` +
    `a slot's handover (s): ${each('idle', slots.idle)} = ${each('detect', slots.detect)} + ${each('grant', slots.grant)} + ${each('start', slots.start)}`
  );
}
