/**
 * One managed-disk protection cycle through the product, measured in the ARM double's simulated
 * time and in real time: the timer's use case (`scheduler.run`) at a business time when every
 * device is due, the registered worker behind the queue host (already running), and the wait for
 * the N-th `rpo.protected`. ARM's side is read from the double's counters before and after.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { installedStores, services } from '../src/compositionRoot';
import type { ArmDouble, ArmDoubleStats } from '../test/support/arm/startArmDouble';
import type { BenchClock, EventRecorder } from './cycle';
import type { RecordedPoints } from './managedCycleRecorded';
import { readSlotRequests } from './managedCycleSlotRequests';
import { SlotSampler, type SlotTimeline } from './managedCycleSlotTimeline';

export interface ArmCallsPerDevice {
  writes: number;
  reads: number;
  deletes: number;
  total: number;
}

export interface ManagedCycleMeasurement {
  realSeconds: number;
  simulatedSeconds: number;
  firstRealSeconds: number;
  firstSimulatedSeconds: number;
  armCallsPerDevice: ArmCallsPerDevice;
  /** By HTTP method, per device (GET, PUT, POST, DELETE). */
  armCallsPerDeviceByMethod: Record<string, number>;
  throttled: number;
  overBudget: number;
  /** The most copies in flight in any (subscription, target region), sampled during the cycle. */
  maxCopiesInFlight: number;
  /** When the cycle's copies were PUT and ended, and how long slots stood idle between them. */
  slots: SlotTimeline;
  /** The pacer's counters over the cycle: attempts that waited, for how long (simulated ms), refused. */
  pacer: { calls: number; waits: number; waitedSeconds: number; throttled: number; refused: number };
  refusals: Record<string, number>;
  events: Record<string, number>;
}

export class ManagedCycleTimeoutError extends Error {}

export async function runManagedCycle(options: {
  double: ArmDouble;
  clock: BenchClock;
  events: EventRecorder;
  devices: number;
  dueAt: number;
  timeoutMs: number;
  /** The fleet, to say which devices a cycle that ran out of time left behind and where they stand. */
  fleet?: { tenantId: string; ids: readonly string[] };
  /**
   * The worker's recorded points (managedCycleRecorded.ts): the cycle ends when every device has
   * one. Without it, at the N-th `rpo.protected` (which a device never at risk does not send).
   */
  recorded?: RecordedPoints;
}): Promise<ManagedCycleMeasurement> {
  const { double, clock, events, devices } = options;
  const timeScale = double.stats().timeScale;
  const before = double.stats();
  const pacerBefore = installedStores().armPacer.totals();
  events.reset(devices);
  options.recorded?.reset(devices);
  const done = () => (options.recorded ? options.recorded.allAt : events.allProtectedAt);
  const first = () => (options.recorded ? options.recorded.firstAt : events.firstProtectedAt);
  const doneCount = () => (options.recorded ? options.recorded.count : events.protectedCount);
  clock.time = options.dueAt;
  const realStart = performance.now();
  const simStart = double.clock();
  let maxInFlight = 0;
  const slots = new SlotSampler(double, simStart);
  const sampleInFlight = () => {
    for (const flight of double.stats().copiesInFlight)
      maxInFlight = Math.max(maxInFlight, flight.inFlightNow);
    slots.sample();
  };
  await services().scheduler.run(clock.now());
  const deadline = realStart + options.timeoutMs;
  let lastSample = 0;
  while (done() === undefined) {
    if (performance.now() > deadline)
      throw new ManagedCycleTimeoutError(
        `The managed-disk cycle recorded ${doneCount()} of ${devices} devices in ${Math.round(options.timeoutMs / 1000)} s; ` +
          `events ${JSON.stringify(events.counts)}, retries and failures by reason ${JSON.stringify(events.failures)}` +
          (options.fleet
            ? `; left behind ${await leftBehind(options.fleet, options.dueAt, options.recorded)}`
            : ''),
      );
    if (performance.now() - lastSample > 250) {
      sampleInFlight();
      lastSample = performance.now();
    }
    await sleep(20);
  }
  sampleInFlight();
  const simEnd = double.clock();
  const realSeconds = (done()! - realStart) / 1000;
  const after = double.stats();
  const pacerAfter = installedStores().armPacer.totals();
  const byMethod = callsByMethod(after, before);
  const perDevice = (n: number) => n / devices;
  const kind = (...methods: string[]) => methods.reduce((sum, m) => sum + (byMethod[m] ?? 0), 0);
  const writes = kind('PUT', 'POST', 'PATCH');
  const reads = kind('GET', 'HEAD');
  const deletes = kind('DELETE');
  return {
    realSeconds,
    // The double's clock runs at timeScale; the cycle ended at its last record, before simEnd.
    simulatedSeconds: Math.min((simEnd - simStart) / 1000, realSeconds * timeScale),
    firstRealSeconds: ((first() ?? realStart) - realStart) / 1000,
    firstSimulatedSeconds: (((first() ?? realStart) - realStart) / 1000) * timeScale,
    armCallsPerDevice: {
      writes: perDevice(writes),
      reads: perDevice(reads),
      deletes: perDevice(deletes),
      total: perDevice(writes + reads + deletes),
    },
    armCallsPerDeviceByMethod: Object.fromEntries(
      Object.entries(byMethod).map(([method, count]) => [method, perDevice(count)]),
    ),
    throttled: after.throttled - before.throttled,
    overBudget: after.overBudget - before.overBudget,
    maxCopiesInFlight: maxInFlight,
    slots: slots.timeline(
      before.limits.copiesInFlightPerSubscriptionRegion,
      // Slot requests may be a test's own CopySlots (nothing in Cosmos DB): then no breakdown.
      await readSlotRequests(services().config).catch(() => undefined),
    ),
    pacer: {
      calls: pacerAfter.calls - pacerBefore.calls,
      waits: pacerAfter.waits - pacerBefore.waits,
      waitedSeconds: (pacerAfter.waitedMs - pacerBefore.waitedMs) / 1000,
      throttled: pacerAfter.throttled - pacerBefore.throttled,
      refused: pacerAfter.refused - pacerBefore.refused,
    },
    refusals: difference(after.refusals, before.refusals),
    events: { ...events.counts },
  };
}

/** ARM calls (those naming a subscription: not the SAS data reads) by method, between two readings. */
function callsByMethod(after: ArmDoubleStats, before: ArmDoubleStats): Record<string, number> {
  const sum = (stats: ArmDoubleStats) => {
    const out: Record<string, number> = {};
    for (const c of stats.callsBy)
      if (c.subscriptionId !== '-') out[c.method] = (out[c.method] ?? 0) + c.count;
    return out;
  };
  return difference(sum(after), sum(before));
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

/**
 * The first few devices without a verified point of this cycle: their record and their points.
 * With the worker's records, those it has not recorded; else those whose newest verified point is
 * older than the cycle's due time, or that have one pending (a device's slot may come before the
 * due time: that rule can name a device that is done).
 */
async function leftBehind(
  fleet: { tenantId: string; ids: readonly string[] },
  dueAt: number,
  recorded: RecordedPoints | undefined,
): Promise<string> {
  const stores = installedStores();
  const behind = [];
  for (const id of fleet.ids) {
    if (recorded?.has(id)) continue;
    const device = await stores.devices.get(fleet.tenantId, id);
    if (!recorded && device?.lastVerifiedAt && Date.parse(device.lastVerifiedAt) >= dueAt && !device.pending)
      continue;
    const points = device
      ? await stores.points.list(device.protection.backupRegion, fleet.tenantId, id).catch(() => [])
      : [];
    behind.push({
      id,
      lastVerifiedAt: device?.lastVerifiedAt,
      announced: device?.announced,
      pending: device?.pending && { ...device.pending, snapshot: device.pending.snapshot.snapshotId },
      points: points.map((p) => ({ takenAt: p.takenAt, verified: p.verified })),
    });
    if (behind.length >= 3) break;
  }
  return JSON.stringify(behind);
}
