/**
 * Issue 28 at fleet scale: 200 managed-disk devices through the registered timer
 * (`scheduleRestorePoints`, both regions' at once) and the registered queue worker, against the
 * local ARM double driven by the real `@azure/arm-compute` client. ARM's token buckets keep their
 * documented shape (a burst, then a steady refill, per subscription × principal × operation kind)
 * but are made small at test scale, so that 200 devices overrun them within one cycle and the pacer
 * must hold calls back; then a 429 storm with `Retry-After` is injected on top. The double counts a
 * call that arrives while its bucket is empty as over budget (and, enforcing, answers it 429): the
 * pacer must never send one.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmCallKind } from '../../src/adapters/arm/pacing/armLimits';
import { installedStores, installServices } from '../../src/compositionRoot';
import { registeredFunctions, type TimerFunction } from '../../src/functions/registry';
import type { QueueHost } from '../../src/local/queueHost';
import type { EventLog } from '../../src/ports/EventLog';
import {
  startArmDouble,
  type ArmDouble,
  type ArmDoubleStats,
  type ArmLimits,
} from '../support/arm/startArmDouble';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { testScaleBuckets, testScalePacer, timeScale } from '../support/arm/testScaleLimits';
import { call } from '../support/http';
import { MemoryCopySlots } from '../support/memoryCopySlots';
import { startRestorePointWorkerHost } from '../support/restorePointWorkerHost';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const hour = 3_600_000;
const primary = 'westeurope';
const backup = 'northeurope';
const deviceCount = 200;
/** CopyStart's in-flight limit at test scale: the slots grant it and the double enforces it (409). */
const copySlotLimit = 20;

/**
 * ARM's buckets at test scale (testScaleLimits.ts): small enough that the seeding cycle's 200
 * snapshot PUTs and 200 CopyStarts, and its thousand-odd reads, empty them many times over; a burst
 * below the worker's 16 handlers at once. The pacer is told the same limits, on the double's clock.
 */
const testLimits = {
  ...testScaleBuckets,
  copiesInFlightPerSubscriptionRegion: copySlotLimit,
} satisfies Partial<ArmLimits>;

/** ARM calls the double answered, by the pacer's bucket kinds. */
function callsByKind(stats: ArmDoubleStats): Record<ArmCallKind, number> {
  const byKind = { read: 0, write: 0, delete: 0 };
  for (const c of stats.callsBy) {
    const kind =
      c.method === 'GET' || c.method === 'HEAD' ? 'read' : c.method === 'DELETE' ? 'delete' : 'write';
    byKind[kind] += c.count;
  }
  return byKind;
}

describe('managed-disk protection of 200 devices at ARM’s pace', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let queueHost: QueueHost;
  let admin: string;
  const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const slots = new MemoryCopySlots(copySlotLimit);
  const workerErrors: string[] = [];
  const tenantId = randomUUID();
  const sub = randomUUID();
  const backupGroups = [
    `/subscriptions/${sub}/resourceGroups/rg-dr-a`,
    `/subscriptions/${sub}/resourceGroups/rg-dr-b`,
  ];
  const ids = Array.from({ length: deviceCount }, (_, i) => `mds-${String(i).padStart(3, '0')}`);
  const diskIds = new Map<string, string>();
  /** Each device's first point, taken in the seeding cycle. */
  const seeded = new Map<string, string>();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;

  const pacer = () => installedStores().armPacer;

  /**
   * A setup PUT. A 503 (the shared Cosmos emulator past the request's deadline while other test
   * files load the machine) is asked again, as a client would: the setup is not what is tested.
   */
  async function put(path: string, json: unknown): Promise<void> {
    let response = await call(api(path), { method: 'PUT', token: admin, json });
    for (let retry = 0; retry < 3 && response.status === 503; retry += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      response = await call(api(path), { method: 'PUT', token: admin, json });
    }
    expect(response.status, response.text).toBeLessThan(300);
  }

  function snapshotsOf(id: string, createOption: 'Copy' | 'CopyStart') {
    return double
      .snapshots()
      .filter((s) => s.tags['clouddr-device'] === id && s.createOption === createOption);
  }

  /** The registered timer function, fired as both control-plane regions' hosts fire it: twice at once. */
  async function fireTimers(): Promise<void> {
    const timer = registeredFunctions().find(
      (f): f is TimerFunction => f.kind === 'timer' && f.name === 'scheduleRestorePoints',
    );
    if (!timer) throw new Error('scheduleRestorePoints is not registered');
    const now = new Date().toISOString();
    const tick: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: now, next: now, lastUpdated: now },
    };
    const fire = async () =>
      await timer.handler(
        tick,
        new InvocationContext({
          functionName: timer.name,
          invocationId: randomUUID(),
          logHandler: () => undefined,
        }),
      );
    await Promise.all([fire(), fire()]);
  }

  /** Runs the timers at `time` and waits until every device recorded a point of this cycle. */
  async function cycle(time: number): Promise<void> {
    clock.time = time;
    await fireTimers();
    const unrecorded = async () => {
      const devices = await Promise.all(ids.map((id) => installedStores().devices.get(tenantId, id)));
      return devices.filter(
        (d) => !d?.lastVerifiedAt || Date.parse(d.lastVerifiedAt) <= time - hour || d.pending,
      );
    };
    try {
      await expect.poll(async () => (await unrecorded()).length, { timeout: 120_000, interval: 250 }).toBe(0);
    } catch (err) {
      const left = (await unrecorded()).slice(0, 3).map((d) => ({ id: d?.id, pending: d?.pending }));
      const problems = events.filter((e) => /^restore-point\.(failed|retrying)/.test(e.event)).slice(-5);
      throw new Error(
        `Not every device recorded: ${JSON.stringify({ left, problems, errors: workerErrors.slice(-5), stats: double.stats() })}`,
        { cause: err },
      );
    }
  }

  /**
   * Waits until the worker's tail (sources released, older points pruned after the record) is done:
   * each device keeps exactly its newest source and copy, and every attempt the pacer let go has
   * been answered by the double (or failed unanswered).
   */
  async function settled(): Promise<void> {
    const unsettled = () => {
      const live = double.snapshots().filter((s) => !s.deleted);
      const count = (id: string, createOption: string) =>
        live.filter((s) => s.tags['clouddr-device'] === id && s.createOption === createOption).length;
      return ids.filter((id) => count(id, 'CopyStart') !== 1 || count(id, 'Copy') !== 1);
    };
    try {
      await expect.poll(() => unsettled().length, { timeout: 60_000, interval: 250 }).toBe(0);
    } catch (err) {
      const id = unsettled()[0]!;
      const snapshots = double
        .snapshots()
        .filter((s) => s.tags['clouddr-device'] === id)
        .map((s) => ({
          name: s.name,
          createOption: s.createOption,
          slot: s.tags['clouddr-slot'],
          deleted: s.deleted,
          order: s.creationOrder,
        }));
      const history = events.filter((e) => e.properties.deviceId === id).map((e) => e.event);
      throw new Error(`${id} did not settle: ${JSON.stringify({ snapshots, history })}`, { cause: err });
    }
    // Every attempt the pacer let go has been answered (or has failed unanswered).
    await expect
      .poll(
        () => {
          const { calls, unanswered } = pacer().totals();
          return calls - unanswered <= double.stats().totalCalls;
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
  }

  /**
   * What the pacer and the double each counted agree: every attempt the pacer let go reached the
   * double, but for those that got no answer (a reset connection), which it may or may not have.
   */
  function expectPacerAgreesWithDouble(stats: ArmDoubleStats): void {
    const byKind = callsByKind(stats);
    for (const kind of ['read', 'write', 'delete'] as const) {
      const buckets = pacer()
        .snapshot()
        .filter((b) => b.kind === kind);
      const sent = buckets.reduce((sum, b) => sum + b.calls, 0);
      const unanswered = buckets.reduce((sum, b) => sum + b.unanswered, 0);
      expect(byKind[kind], kind).toBeLessThanOrEqual(sent);
      expect(byKind[kind], kind).toBeGreaterThanOrEqual(sent - unanswered);
    }
    // Every 429 the pacer saw is one the double answered: injected ones, or its own buckets'.
    expect(pacer().totals().throttled).toBe(stats.injectedFaults + stats.throttled);
    expect(pacer().totals().refused).toBe(0);
  }

  /**
   * A device's source snapshots and copies, slot by slot, deleted ones included: one source and one
   * copy per slot, the copy started after its source. A claim that loses to another write of the
   * device record (the timers' RPO announcements) keeps the slot-named snapshot it asked for
   * (RestorePointWorker.claim): a source deleted and taken again under its name would show here as
   * two of one slot.
   */
  function expectOnePerSlot(id: string, slots: readonly string[]): void {
    const sources = snapshotsOf(id, 'Copy');
    const copies = snapshotsOf(id, 'CopyStart');
    expect(
      copies.map((c) => c.tags['clouddr-slot']),
      id,
    ).toEqual(slots);
    expect(
      sources.map((c) => c.tags['clouddr-slot']),
      id,
    ).toEqual(slots);
    for (const [i] of slots.entries())
      expect(copies[i]!.creationOrder, id).toBeGreaterThan(sources[i]!.creationOrder);
  }

  beforeAll(async () => {
    // Throttling enforced: a call over budget is answered 429, and counted as over budget.
    double = await startArmDouble({ timeScale, limits: testLimits, throttling: 'enforce' });
    env = await startTestEnvironment();
    installServices({
      clock,
      events: eventLog,
      worker: {
        checkDelayInMs: 50,
        snapshotCheckDelayInMs: 20,
        retryBaseDelayInMs: 20,
        retryMaxDelayInMs: 200,
        cacheTtlInMs: 0,
      },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        copySlots: slots,
        pollIntervalInMs: 10,
        pacer: testScalePacer(double),
        // SAS lifetimes are in the double's time (10 h of it is 10 s here). The stuck-copy bound is
        // wall-clock: far above a paced copy's few seconds, so no copy here is judged stuck.
        store: { contentSampleEvery: 5, copyTimeoutInMs: 60_000, sasDurationInSeconds: 36_000 },
      },
    });
    queueHost = await startRestorePointWorkerHost({ visibilityTimeoutInMs: 15_000, errors: workerErrors });
    admin = await env.token(tenantId, ['DR.Admin']);
    const created = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: await platformToken(env),
      json: {
        name: 'Contoso',
        licences: deviceCount,
        allowedBackupRegions: [backup],
        diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${sub}` }],
        backupResourceGroups: { [backup]: backupGroups },
      },
    });
    expect(created.status, created.text).toBe(201);
    await put('/policies/hourly', {
      name: 'Hourly',
      backupRegion: backup,
      rpoHours: 1,
      retention: { latest: 1, weekly: 0, keepLatestManual: false },
    });
    for (const id of ids)
      diskIds.set(id, await seedDesktopDisk(double, { subscriptionId: sub, name: id, location: primary }));
    // Registration reads each disk through ARM, paced like the rest.
    for (const id of ids)
      await put(`/devices/${id}`, {
        upn: `${id}@contoso.test`,
        primaryRegion: primary,
        disk: { kind: 'managedDisk', armId: diskIds.get(id) },
        policyId: 'hourly',
        priorityTier: 2,
      });
  }, 180_000);

  afterAll(async () => {
    await queueHost?.stop();
    await env?.close();
    await double?.close();
  });

  it('takes one verified point, one snapshot and one copy per device, never above the CopyStart slots nor over ARM’s budget', async () => {
    const before = pacer().totals();
    await cycle(clock.time + hour);
    await settled();
    for (const id of ids) {
      const [point, ...rest] = await installedStores().points.list(backup, tenantId, id);
      expect(rest, id).toEqual([]);
      expect(point, id).toMatchObject({ verified: true, snapshotArmId: expect.stringMatching(/rg-dr-[ab]/) });
      seeded.set(id, new Date(point!.takenAt).toISOString());
      expectOnePerSlot(id, [seeded.get(id)!]);
      const copies = snapshotsOf(id, 'CopyStart');
      expect(copies[0]!.completionPercent, id).toBe(100);
      // The seed: a full copy of the 16 GiB disk.
      expect(copies[0]!.copyGiB, id).toBe(16);
    }
    const stats = double.stats();
    expect(stats.overriddenLimits).toEqual(testLimits);
    // Never over budget: no call reached an empty bucket, so the double's buckets answered no 429.
    expect(stats.overBudget).toBe(0);
    expect(stats.throttled).toBe(0);
    expect(stats.injectedFaults).toBe(0);
    // The buckets bound: the pacer held calls back (not every call: only those behind an empty
    // bucket), and more than a bucket's worth of each kind went.
    const after = pacer().totals();
    expect(after.waits - before.waits).toBeGreaterThan(0);
    expect(after.waits - before.waits).toBeLessThan(after.calls - before.calls);
    const byKind = callsByKind(stats);
    expect(byKind.read).toBeGreaterThan(testLimits.readsBucket);
    expect(byKind.write).toBeGreaterThan(testLimits.writesBucket);
    // CopyStart: the slots held it at its limit, the double never saw more in flight nor refused one.
    expect(slots.maxGranted.get(`${sub}|${backup}`.toLowerCase())).toBeLessThanOrEqual(copySlotLimit);
    expect(slots.waits).toBeGreaterThan(0);
    for (const flight of stats.copiesInFlight) expect(flight.maxInFlight).toBeLessThanOrEqual(copySlotLimit);
    expect(stats.refusals['copy.inFlight'] ?? 0).toBe(0);
    expectPacerAgreesWithDouble(stats);
    console.info(
      `[managedDiskScale] seeding cycle: ${JSON.stringify({
        calls: stats.totalCalls,
        byKind,
        overBudget: stats.overBudget,
        throttled: stats.throttled,
        maxInFlight: Math.max(...stats.copiesInFlight.map((c) => c.maxInFlight)),
        pacer: after,
        buckets: pacer()
          .snapshot()
          .map((b) => `${b.kind}: ${b.calls} calls, ${b.waits} waits`),
      })}`,
    );
  }, 120_000);

  it('completes the next cycle through a 429 storm with Retry-After, with no call over budget', async () => {
    const before = double.stats();
    const pacerBefore = pacer().totals();
    for (const id of ids) double.writeToDisk(diskIds.get(id)!, 1);
    // Bursts of 429s as a busy subscription sees them from ARM (code and Retry-After as documented,
    // rule arm.throttle.429) on each operation kind: the next `times` calls of the kind get them.
    // The double takes the call's token before it answers an injected 429 (it got past ARM's
    // bucket), counts it in `injectedFaults`, never in `throttled`/`overBudget`. Retry-After: 1 is
    // slept by the SDK's retry policy in real seconds and pauses the pacer's bucket for one of the
    // double's seconds (its clock): the pause itself is asserted on virtual time in ArmPacer.test.ts;
    // here what counts is that nothing the pacer sends meets an empty bucket, storm or not.
    const storm = [
      { method: 'PUT', times: 20 },
      { method: 'GET', times: 30 },
      { method: 'DELETE', times: 10 },
    ] as const;
    const injected = storm.reduce((sum, s) => sum + s.times, 0);
    const stops = storm.map(({ method, times }) =>
      double.inject({
        match: { method },
        status: 429,
        code: 'SubscriptionRequestsThrottled',
        retryAfterSeconds: 1,
        times,
      }),
    );
    try {
      await cycle(clock.time + hour);
      await settled();
    } finally {
      for (const stop of stops) stop();
    }
    for (const id of ids) {
      const [point, ...rest] = await installedStores().points.list(backup, tenantId, id);
      expect(rest, id).toEqual([]);
      expect(point, id).toMatchObject({ verified: true });
      const takenAt = new Date(point!.takenAt).toISOString();
      expect(Date.parse(takenAt), id).toBeGreaterThan(Date.parse(seeded.get(id)!));
      // One copy per slot (the first pruned once the second was verified), the second incremental.
      expectOnePerSlot(id, [seeded.get(id)!, takenAt]);
      const copies = snapshotsOf(id, 'CopyStart');
      expect(copies[0]!.deleted, id).toBe(true);
      expect(copies[1]!.copyGiB, id).toBe(1);
    }
    const stats = double.stats();
    // Every injected 429 was answered (more calls of each kind came than were injected), and the
    // double's own buckets answered none: nothing reached an empty bucket.
    expect(stats.injectedFaults - before.injectedFaults).toBe(injected);
    expect(stats.overBudget).toBe(0);
    expect(stats.throttled).toBe(0);
    expect(events.filter((e) => e.event === 'arm.throttled')).toHaveLength(injected);
    // The pacer saw each of them, on the bucket of its kind, and held calls back; no slot was given
    // up for them (the SDK's retries and the worker's took them all).
    const pacerAfter = pacer().totals();
    expect(pacerAfter.throttled - pacerBefore.throttled).toBe(injected);
    const kindOf = { PUT: 'write', GET: 'read', DELETE: 'delete' } as const;
    for (const { method, times } of storm)
      expect(
        pacer()
          .snapshot()
          .filter((b) => b.kind === kindOf[method])
          .reduce((sum, b) => sum + b.throttled, 0),
        method,
      ).toBe(times);
    expect(pacerAfter.waits - pacerBefore.waits).toBeGreaterThan(0);
    expect(events.filter((e) => e.event === 'restore-point.failed')).toEqual([]);
    for (const flight of stats.copiesInFlight) expect(flight.maxInFlight).toBeLessThanOrEqual(copySlotLimit);
    expect(stats.refusals['copy.inFlight'] ?? 0).toBe(0);
    expectPacerAgreesWithDouble(stats);
    console.info(
      `[managedDiskScale] storm cycle: ${JSON.stringify({
        calls: stats.totalCalls - before.totalCalls,
        injected429s: injected,
        overBudget: stats.overBudget,
        throttled: stats.throttled,
        maxInFlight: Math.max(...stats.copiesInFlight.map((c) => c.maxInFlight)),
        pacer: {
          calls: pacerAfter.calls - pacerBefore.calls,
          waits: pacerAfter.waits - pacerBefore.waits,
          throttled: pacerAfter.throttled - pacerBefore.throttled,
          unanswered: pacerAfter.unanswered - pacerBefore.unanswered,
        },
        buckets: pacer()
          .snapshot()
          .map((b) => `${b.kind}: ${b.calls} calls, ${b.waits} waits, ${b.throttled} 429s`),
      })}`,
    );
  }, 180_000);
});
