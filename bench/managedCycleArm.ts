/**
 * One `managed-cycle-arm` run: N managed disks over S subscriptions protected against the ARM
 * double at the documented limits (429s enforced), through the product's own ArmDiskSource and
 * ManagedDiskRestorePointStore, built as the composition root builds them — the real
 * `@azure/arm-compute` clients with the process's one ArmPacer on them (on the double's clock), the
 * real RestorePointCatalog on Azurite, CopyStart's slots granted by the product's CopySlotScheduler
 * (here over slots in memory, memorySlotBook.ts) with its wake-ups and its immediate grant when a
 * copy ends — driven as RestorePointWorker drives them (managedCycleDriver.ts), 16 handlers at
 * once. A seeding cycle (every copy a full one), an hour of changes on every disk, then a steady
 * cycle, each against the bound ARM's limits imply (managedCycleBound.ts) in the busiest
 * subscription.
 *
 * Time: the double runs `timeScale` simulated seconds per real second, and every product timing
 * is simulated — the pacer reckons on the double's clock, the store's clock (a copy's pace, its
 * timeout) is the double's, and the worker's delays, the SDK's polling and the slot timer are
 * divided by the scale. The machine's own latency counts ×scale (the handlers' lateness says how
 * much).
 */
import { createBlobServiceClient } from '../src/adapters/blob/createBlobServiceClient';
import { RestorePointCatalog } from '../src/adapters/blob/RestorePointCatalog';
import { ArmDiskSource } from '../src/adapters/arm/ArmDiskSource';
import { ComputeClients } from '../src/adapters/arm/createComputeClient';
import { ManagedDiskRestorePointStore } from '../src/adapters/arm/ManagedDiskRestorePointStore';
import { ArmPacer } from '../src/adapters/arm/pacing/ArmPacer';
import { zeroCounters, type BucketCounters } from '../src/adapters/arm/pacing/PacedBucket';
import { sasRangeReader } from '../src/adapters/arm/readSasRange';
import { CopySlotScheduler } from '../src/app/CopySlotScheduler';
import { fleetSubscriptions } from '../src/domain/armCapacity';
import { freePort } from '../src/local/emulators/freePort';
import { startAzurite } from '../src/local/emulators/startAzurite';
import { azuriteConnectionString, regionAccounts } from '../src/local/localSettings';
import type { Clock } from '../src/ports/Clock';
import type { EventLog } from '../src/ports/EventLog';
import type { WorkQueue } from '../src/ports/WorkQueue';
import type { ArmDoubleStats } from '../test/support/arm/startArmDouble';
import { armCallCounter, type ArmCallCounts } from './armCallCounter';
import type { CopyTimeline } from './armCopyTimeline';
import { cycleBound, documentedArmBuckets, type CycleBound } from './managedCycleBound';
import {
  managedBackupRegion,
  managedPrimaryRegion,
  placementSpread,
  seedManagedArmFleet,
} from './managedCycleArmFleet';
import { startCycleDouble } from './managedCycleArmDouble';
import { ManagedCycleDriver, type CycleRun, type WorkerDelays } from './managedCycleDriver';
import { defaultManagedCycleSettings, type ManagedCycleSettings } from './managedCycleSettings';
import { MemorySlotBook, type SlotCounters } from './memorySlotBook';
import { pacerOnDoubleClock } from './pacerOnDoubleClock';

const hourMs = 3_600_000;
/** Long enough for every bucket to refill from empty (200 ÷ 10/s): each cycle starts on full buckets. */
const bucketRefillMs = 30_000;

export interface ManagedCycleArmSettings {
  devices: number;
  subscriptions: number;
  /** Simulated seconds per real second. */
  timeScale: number;
  /** Handlers at once (the queue host's maxConcurrentCalls). */
  concurrency: number;
  /**
   * CopyStart copies in flight per (subscription, target region): the documented 100, lower only
   * in the smoke test (so a few devices already wait for slots); the double, the scheduler and
   * the bound all take it.
   */
  copySlots: number;
  /** The copy model and the product's timings (managed-cycle's; its own timeScale is not used). */
  model: ManagedCycleSettings;
  /**
   * Where the backup region's restore-point catalogue lives: Azurite (its own process, as in every
   * other benchmark) or the in-process stand-in (catalogueBlobDouble.ts) at 10,000 devices and more.
   */
  catalogue: 'azurite' | 'memory';
  /** The ARM double (and the catalogue stand-in) in a thread of its own (managedCycleArmDouble.ts). */
  threaded: boolean;
  /** Longest real wait for each cycle. */
  timeoutMinutes: number;
  log: (line: string) => void;
}

export const defaultManagedCycleArmSettings: Omit<ManagedCycleArmSettings, 'devices' | 'log'> = {
  subscriptions: 1,
  timeScale: 4,
  concurrency: 16,
  copySlots: documentedArmBuckets.copySlots,
  model: defaultManagedCycleSettings,
  catalogue: 'azurite',
  threaded: false,
  timeoutMinutes: 240,
};

/** RestorePointWorker's back-off and attempts (its defaults), simulated. */
const workerRetry = { retryBaseDelayInMs: 15_000, retryMaxDelayInMs: 10 * 60_000, maxAttempts: 5 };

export interface ManagedArmCycleReport {
  /** From the cycle's messages to the last device's point recorded, simulated seconds. */
  simulatedSeconds: number;
  realSeconds: number;
  firstSimulatedSeconds: number;
  medianSimulatedSeconds: number;
  bound: CycleBound;
  /** bound ÷ measured (target ≥ 0.9). */
  boundRatio: number;
  recorded: number;
  givenUp: number;
  timedOut: boolean;
  armCallsPerDevice: {
    total: number;
    read: number;
    write: number;
    delete: number;
    byCall: Record<string, number>;
  };
  /** 429s the double answered, and those the clients saw. */
  throttled: { arm: number; seenByClient: number };
  /** Calls that arrived at an empty bucket (must be 0). */
  overBudget: number;
  pacer: BucketCounters;
  slots: Pick<SlotCounters, 'requests' | 'grants' | 'releases'>;
  outcomes: CycleRun['outcomes'];
  problems: Record<string, number>;
  lateness: CycleRun['lateness'];
  handlers: { maxBusy: number; busyShare: number; heldBy: CycleRun['heldBy'] };
  events: Record<string, number>;
  /** Where the cycle spent its CopyStart slots (armCopyTimeline.ts). */
  copies: CopyTimeline;
  /**
   * The pacer's counters by kind (summed over subscriptions), read at each progress report: how the
   * calls and the waits for tokens spread over the cycle (simulated seconds from its start).
   */
  pacing: {
    atSeconds: number;
    byKind: Record<string, { calls: number; waits: number; waitedSeconds: number }>;
  }[];
}

export interface ManagedCycleArmResult {
  path: 'direct';
  settings: Omit<ManagedCycleArmSettings, 'log'>;
  seedSeconds: number;
  seeding: ManagedArmCycleReport;
  steady: ManagedArmCycleReport;
  checks: {
    /** Per device and slot, how many source snapshots and copies were ever made. */
    perSlot: { slots: number; exactlyOne: number; missing: number; duplicated: number; examples: string[] };
    /** The most copies in flight in any (subscription, target region), as ARM counted them. */
    maxCopiesInFlight: number;
    /** The most slots the scheduler had granted at once in any key. */
    maxSlotsGranted: number;
    /** Live snapshots after the steady cycle: the steady point's copy and its source (the next copy's base). */
    liveAfter: { sources: number; copies: number };
    /** Devices whose catalogue lists exactly one point, verified, of the steady slot. */
    catalogueOk: number;
    /** Refusals the double answered, by rule. */
    refusals: Record<string, number>;
  };
  /** Where one tenant's rendezvous placement would put the busiest subscription's count. */
  placement: { busiest: number; even: number };
  /** Subscriptions per backup region a 50,000-device fleet needs (armCapacity.ts, its stated assumptions). */
  fleetSubscriptions: { rpoHours: number; subscriptions: number; binding: string; copyMinutes: number }[];
  slotTimer: { runs: number; failures: number; firstFailure?: string };
}

export async function runManagedCycleArm(s: ManagedCycleArmSettings): Promise<ManagedCycleArmResult> {
  const { log, ...settings } = s;
  const m = s.model;
  const realMs = (simulatedMs: number) => Math.max(1, Math.round(simulatedMs / s.timeScale));
  const account = regionAccounts[managedBackupRegion]!;
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const double = await startCycleDouble({
      double: {
        timeScale: s.timeScale,
        throttling: 'enforce',
        copyGiBPerHour: m.copy.gibPerHour,
        copyMinimumMs: m.copy.minimumSeconds * 1000,
        ...(s.copySlots !== documentedArmBuckets.copySlots
          ? { limits: { copiesInFlightPerSubscriptionRegion: s.copySlots } }
          : {}),
      },
      threaded: s.threaded,
      ...(s.catalogue === 'memory' ? { catalogueAccount: account.name } : {}),
    });
    stops.push(() => double.close());
    const storage = double.catalogueConnectionString
      ? { connectionString: double.catalogueConnectionString }
      : await startAzuriteFor(account);
    if ('stop' in storage) stops.push(() => storage.stop());
    const seedStarted = performance.now();
    const fleet = await seedManagedArmFleet(double, {
      devices: s.devices,
      subscriptions: s.subscriptions,
      diskGiB: m.diskGiB,
    });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(
      `[bench]   managed-cycle-arm: ${s.devices} disks in ${s.subscriptions} subscription(s) seeded in ${seedSeconds.toFixed(1)} s`,
    );

    // As the composition root builds them: one pacer for the process on every ARM client (here on
    // the double's clock), the catalogue in the backup region's storage, the store's parts.
    const events = new Map<string, number>();
    const eventLog: EventLog = { emit: (name) => void events.set(name, (events.get(name) ?? 0) + 1) };
    const clock: Clock = { now: () => new Date(double.clock()) };
    const pacer = new ArmPacer(eventLog, {
      region: managedPrimaryRegion,
      timer: pacerOnDoubleClock(double, s.timeScale),
    });
    const counter = armCallCounter();
    const clients = new ComputeClients({
      credential: double.credential,
      ...double.clientOptions(),
      additionalPolicies: [pacer.policy(), counter.policy],
    });
    const blob = createBlobServiceClient({
      kind: 'connectionString',
      connectionString: storage.connectionString,
    });
    const slots = new MemorySlotBook(clock);
    // The scheduler's wake-ups go into the driver's chains; the driver needs the store, which needs
    // the scheduler: tied up once all three exist.
    const wakes: { queue?: WorkQueue } = {};
    const scheduler = new CopySlotScheduler(
      {
        slots,
        region: managedPrimaryRegion,
        clock,
        events: eventLog,
        wakes: {
          send: async (queue, messages, options) => await wakes.queue!.send(queue, messages, options),
        },
      },
      { limit: s.copySlots },
    );
    const pollIntervalInMs = realMs(m.operationPollSeconds * 1000);
    const points = new ManagedDiskRestorePointStore(
      {
        clients,
        catalog: new RestorePointCatalog(new Map([[managedBackupRegion, blob]])),
        copySlots: slots,
        events: eventLog,
        readRange: sasRangeReader({ ca: double.ca }),
        // The double's clock: a copy's pace and its 6-hour timeout are simulated time.
        clock,
        // As composed for production: the scheduler's grant sends a waiting copy's wake-up, and a
        // copy that ended hands its slot on at once.
        slotWakes: true,
        slotFreed: (key) => scheduler.grant(key),
      },
      { contentSampleEvery: m.contentSampleEvery, pollIntervalInMs },
    );
    const delays: WorkerDelays = {
      checkDelayInMs: m.copyPollSeconds * 1000,
      slotWaitCheckDelayInMs: m.slotWaitCheckSeconds * 1000,
      minCopyCheckDelayInMs: m.copyCheckSeconds.min * 1000,
      maxCopyCheckDelayInMs: m.copyCheckSeconds.max * 1000,
      snapshotCheckDelayInMs: m.snapshotCheckSeconds * 1000,
      ...workerRetry,
    };
    const driver = new ManagedCycleDriver({
      devices: fleet.devices,
      disks: new ArmDiskSource(clients, { pollIntervalInMs }),
      points,
      // The managed-cycle fleet's policy: one point kept, so the steady cycle prunes the seed's.
      retention: { latest: 1, weekly: 0, keepLatestManual: false },
      delays,
      concurrency: s.concurrency,
      timeScale: s.timeScale,
      simulatedNow: () => double.clock(),
    });
    wakes.queue = driver.queue;
    const slotTimer = startSlotTimer(() => scheduler.run(), realMs(m.slotTickSeconds * 1000));
    stops.push(() => slotTimer.stop());

    const protocol = {
      // Each subscription has its own buckets and its own 100 CopyStart slots: the busiest one binds.
      devices: Math.ceil(s.devices / s.subscriptions),
      copy: m.copy,
      operationSeconds: (await double.stats()).limits.lroMs / 1000,
      operationPollSeconds: m.operationPollSeconds,
      copyPollSeconds: m.copyPollSeconds,
      contentSampleEvery: m.contentSampleEvery,
      buckets: { ...documentedArmBuckets, copySlots: s.copySlots },
    };
    const dueAt = Math.floor(double.clock() / hourMs) * hourMs;
    const cycle = async (name: string, takenAt: number, copyGiB: number, deletesPerDevice: number) => {
      const bound = cycleBound({ ...protocol, copyGiB, deletesPerDevice });
      double.advance(bucketRefillMs);
      const before = await double.stats();
      const calls = snapshotCounts(counter.counts);
      const pacerBefore = pacer.totals();
      const slotsBefore = slots.counters();
      const eventsBefore = new Map(events);
      const started = double.clock();
      const pacing: ManagedArmCycleReport['pacing'] = [];
      const readPacing = () =>
        pacing.push({ atSeconds: round((double.clock() - started) / 1000), byKind: pacingByKind(pacer) });
      const run = await driver.runCycle(new Date(takenAt), {
        // The run's limit, or three times the bound in real time: a cycle cannot beat its bound.
        timeoutInMs: Math.max(s.timeoutMinutes * 60_000, 60_000 + (3 * bound.seconds * 1000) / s.timeScale),
        progress: (p) => {
          readPacing();
          log(
            `[bench]     ${name}: ${((double.clock() - started) / 1000).toFixed(0)} simulated s: ${p.recorded} recorded, ${p.givenUp} given up, ` +
              `${p.inFlight} in handlers, ${p.queued} queued, ${p.recentHandled} handled (the latest ${p.recentLatenessSeconds.toFixed(1)} s late), ` +
              `slots ${JSON.stringify(slots.load())}, outcomes ${JSON.stringify(p.outcomes)}`,
          );
        },
      });
      readPacing();
      const copies = await double.copyTimeline({
        startedAt: started,
        limit: s.copySlots,
        gibPerHour: m.copy.gibPerHour,
        minimumSeconds: m.copy.minimumSeconds,
      });
      const report = cycleReport(run, bound, copies, pacing, {
        devices: s.devices,
        before,
        after: await double.stats(),
        calls: diffCounts(counter.counts, calls),
        pacer: diffCounters(pacer.totals(), pacerBefore),
        slots: slotsBefore,
        slotsAfter: slots.counters(),
        events: diffMap(events, eventsBefore),
      });
      log(
        `[bench]   ${name}: ${report.simulatedSeconds.toFixed(0)} simulated s (${report.realSeconds.toFixed(1)} real s), ` +
          `bound ${bound.seconds.toFixed(0)} s (${bound.binding}), ratio ${report.boundRatio.toFixed(3)}, ` +
          `${report.armCallsPerDevice.total} ARM calls/device, 429s ${report.throttled.arm}, over budget ${report.overBudget}, ` +
          `recorded ${report.recorded}, given up ${report.givenUp}, lateness p99 ${report.lateness.p99.toFixed(2)} simulated s; ` +
          `copies ${JSON.stringify(copies)}`,
      );
      if (run.timedOut || report.recorded < s.devices)
        log(`[bench]   ${name} left behind: ${JSON.stringify(driver.pendingDevices())}`);
      return report;
    };

    const seeding = await cycle('seeding cycle', dueAt, m.diskGiB, 0);
    // An hour of work on each desktop: what the next incremental copy moves.
    await double.writeToDisks(fleet.diskIds, m.changedGiBPerHour);
    // Retention keeps one point: the seed's copy is pruned and its source released (2 deletes).
    const steady = await cycle('steady cycle', dueAt + hourMs, m.changedGiBPerHour, 2);
    await slotTimer.stop();

    const checkStarted = performance.now();
    const finalStats = await double.stats();
    const checks = {
      perSlot: await double.perSlot(fleet.devices.length, 2),
      maxCopiesInFlight: Math.max(0, ...finalStats.copiesInFlight.map((c) => c.maxInFlight)),
      maxSlotsGranted: Math.max(0, ...Object.values(slots.counters().maxGranted)),
      liveAfter: await double.liveSnapshots(),
      catalogueOk: await catalogueOk(points, fleet.devices, new Date(dueAt + hourMs)),
      refusals: finalStats.refusals,
    };
    log(
      `[bench]   checks in ${((performance.now() - checkStarted) / 1000).toFixed(1)} s: ${JSON.stringify(checks)}`,
    );
    return {
      path: 'direct',
      settings,
      seedSeconds: round(seedSeconds),
      seeding,
      steady,
      checks,
      placement: placementSpread(
        fleet.devices.map((d) => d.deviceId),
        s.subscriptions,
      ),
      fleetSubscriptions: fleetSubscriptions().map(({ rpoHours, need }) => ({
        rpoHours,
        subscriptions: need.subscriptions,
        binding: need.binding,
        copyMinutes: round(need.copyMinutes),
      })),
      slotTimer: slotTimer.counts(),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

function cycleReport(
  run: CycleRun,
  bound: CycleBound,
  copies: CopyTimeline,
  pacing: ManagedArmCycleReport['pacing'],
  o: {
    devices: number;
    before: ArmDoubleStats;
    after: ArmDoubleStats;
    calls: ArmCallCounts;
    pacer: BucketCounters;
    slots: SlotCounters;
    slotsAfter: SlotCounters;
    events: Record<string, number>;
  },
): ManagedArmCycleReport {
  const recorded = run.recordedAt.filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const seconds = (t: number | undefined) => (t === undefined ? Number.NaN : (t - run.startedAt) / 1000);
  const simulatedSeconds = seconds(recorded.at(-1));
  const perDevice = (x: number) => round(x / o.devices, 3);
  const { read, write } = o.calls.byKind;
  const del = o.calls.byKind.delete;
  return {
    simulatedSeconds: round(simulatedSeconds),
    realSeconds: round(run.realSeconds),
    firstSimulatedSeconds: round(seconds(recorded[0])),
    medianSimulatedSeconds: round(seconds(recorded[Math.floor(recorded.length / 2)])),
    bound,
    boundRatio: round(bound.seconds / simulatedSeconds, 3),
    recorded: recorded.length,
    givenUp: run.givenUp.length,
    timedOut: run.timedOut,
    armCallsPerDevice: {
      total: perDevice(read + write + del),
      read: perDevice(read),
      write: perDevice(write),
      delete: perDevice(del),
      byCall: Object.fromEntries(
        Object.entries(o.calls.byCall)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, perDevice(v)]),
      ),
    },
    throttled: { arm: o.after.throttled - o.before.throttled, seenByClient: o.calls.throttled },
    overBudget: o.after.overBudget - o.before.overBudget,
    pacer: o.pacer,
    slots: {
      requests: o.slotsAfter.requests - o.slots.requests,
      grants: o.slotsAfter.grants - o.slots.grants,
      releases: o.slotsAfter.releases - o.slots.releases,
    },
    outcomes: run.outcomes,
    problems: run.problems,
    lateness: {
      p50: round(run.lateness.p50, 3),
      p99: round(run.lateness.p99, 3),
      max: round(run.lateness.max, 3),
    },
    handlers: {
      maxBusy: run.maxBusy,
      busyShare: round(run.busyShare, 3),
      heldBy: Object.fromEntries(
        Object.entries(run.heldBy).map(([k, v]) => [
          k,
          { count: v.count, meanSeconds: round(v.meanSeconds, 2), totalSeconds: round(v.totalSeconds) },
        ]),
      ),
    },
    events: o.events,
    copies,
    pacing,
  };
}

/** Devices whose backup-region catalogue lists one point, verified, of the slot: a listing each. */
async function catalogueOk(
  points: ManagedDiskRestorePointStore,
  devices: readonly { tenantId: string; deviceId: string; backupRegion: string }[],
  takenAt: Date,
): Promise<number> {
  let ok = 0;
  let next = 0;
  const worker = async () => {
    while (next < devices.length) {
      const device = devices[next++]!;
      const listed = await points.list(device.backupRegion, device.tenantId, device.deviceId);
      if (listed.length === 1 && listed[0]!.verified && Date.parse(listed[0]!.takenAt) === takenAt.getTime())
        ok += 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return ok;
}

/** Azurite for the catalogue, in its own process (as in every other benchmark), with the backup region's account. */
async function startAzuriteFor(account: {
  name: string;
  key: string;
}): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const azurite = await startAzurite({ ports });
  return {
    connectionString: azuriteConnectionString(account, { ...ports, http: 0, cosmos: 0 }),
    stop: () => azurite.stop(),
  };
}

/** The `grantCopySlots` timer: the scheduler's run every `periodInMs` real ms, never two at once. */
function startSlotTimer(run: () => Promise<unknown>, periodInMs: number) {
  let runs = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    current = run().then(
      () => void (runs += 1),
      (err: unknown) => {
        failures += 1;
        firstFailure ??= err instanceof Error ? err.message : String(err);
      },
    );
    void current.then(() => {
      if (!stopped) timer = setTimeout(tick, periodInMs);
    });
  };
  timer = setTimeout(tick, periodInMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
    counts: () => ({ runs, failures, ...(firstFailure ? { firstFailure } : {}) }),
  };
}

/** The pacer's counters so far by kind of call, summed over its subscriptions' buckets. */
function pacingByKind(pacer: ArmPacer): ManagedArmCycleReport['pacing'][number]['byKind'] {
  const out: ManagedArmCycleReport['pacing'][number]['byKind'] = {};
  for (const bucket of pacer.snapshot()) {
    if (bucket.policy) continue;
    const entry = (out[bucket.kind] ??= { calls: 0, waits: 0, waitedSeconds: 0 });
    entry.calls += bucket.calls;
    entry.waits += bucket.waits;
    entry.waitedSeconds = round(entry.waitedSeconds + bucket.waitedMs / 1000);
  }
  return out;
}

function snapshotCounts(c: ArmCallCounts): ArmCallCounts {
  return { byCall: { ...c.byCall }, byKind: { ...c.byKind }, throttled: c.throttled };
}

function diffCounts(after: ArmCallCounts, before: ArmCallCounts): ArmCallCounts {
  return {
    byCall: diffRecord(after.byCall, before.byCall),
    byKind: {
      read: after.byKind.read - before.byKind.read,
      write: after.byKind.write - before.byKind.write,
      delete: after.byKind.delete - before.byKind.delete,
    },
    throttled: after.throttled - before.throttled,
  };
}

function diffCounters(after: BucketCounters, before: BucketCounters): BucketCounters {
  const out = zeroCounters();
  for (const key of Object.keys(out) as (keyof BucketCounters)[]) out[key] = after[key] - before[key];
  return out;
}

function diffRecord(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

function diffMap(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  return diffRecord(Object.fromEntries(after), Object.fromEntries(before));
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
