/**
 * The restore-point worker and CopyStart's slots: a managed-disk slot the worker gives up gives its
 * CopyStart slot request back, whether it was still waiting or already granted, though nothing was
 * recorded for it yet (the point's record is written only once its copy holds a slot). Against
 * the real CosmosCopySlots on the Cosmos emulator, granted by the product's CopySlotScheduler, the
 * real ManagedDiskRestorePointStore (catalogue in Azurite) and the local ARM double, whose clock is
 * all but stopped here (time scale 0.001) so a snapshot stays `Creating` until the test moves it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyIdOf, maxCopyGenerations } from '../../src/adapters/arm/copySlotIds';
import { requestIdOf } from '../../src/adapters/cosmos/copySlotDocuments';
import { CosmosCopySlots } from '../../src/adapters/cosmos/CosmosCopySlots';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import type { RestorePointRequest } from '../../src/app/restorePointRequest';
import { snapshotId } from '../../src/domain/armId';
import { managedSnapshotName } from '../../src/domain/managedDiskPlacement';
import type { CopySlotKey } from '../../src/ports/CopySlots';
import type { RestorePointTarget } from '../../src/ports/RestorePointStore';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { startArmDouble, type ArmDouble } from '../support/arm/startArmDouble';
import { call } from '../support/http';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const primary = 'westeurope';
const backup = 'northeurope';
const hour = 3_600_000;
/** CopyStart's documented 100 copies in flight per subscription and target region: the scheduler's limit. */
const slotLimit = 100;
const lookDelays = {
  checkDelayInMs: 10_000,
  slotWaitCheckDelayInMs: 300_000,
  minCopyCheckDelayInMs: 2_000,
  maxCopyCheckDelayInMs: 60_000,
};
/** The check numbers of a slot grant's wake-up and of a verification put behind it (RestorePointWorker). */
const wakeCheck = 1_000_000;
const verifyCheck = 2_000_000;

describe('RestorePointWorker and CopyStart slots (Cosmos DB)', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let slots: CosmosCopySlots;
  const clock = new TestClock(Date.parse('2026-12-07T10:00:00Z'));
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  /** Every message sent on the work queue (the worker's checks, the grants' wake-ups), as sent. */
  const sent: { queue: string; id: string; body: unknown; delayInMs: number | undefined }[] = [];

  /** A tenant of its own subscription (so its own CopyStart key) with devices on managed disks. */
  async function tenantWithDevices(deviceIds: readonly string[] = ['pc-1']) {
    const tenantId = randomUUID();
    const sub = randomUUID();
    const group = `/subscriptions/${sub}/resourceGroups/rg-dr`;
    const platform = await platformToken(env);
    const tenant = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: platform,
      json: {
        name: 'Contoso',
        licences: 10,
        allowedBackupRegions: [backup],
        diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${sub}` }],
        backupResourceGroups: { [backup]: [group] },
      },
    });
    expect(tenant.status, tenant.text).toBe(201);
    const admin = await env.token(tenantId, ['DR.Admin']);
    const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
    const policy = await call(api('/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: {
        name: 'Hourly',
        backupRegion: backup,
        rpoHours: 1,
        retention: { latest: 1, weekly: 0, keepLatestManual: false },
      },
    });
    expect(policy.status, policy.text).toBeLessThan(300);
    for (const deviceId of deviceIds) {
      const armId = await seedDesktopDisk(double, { subscriptionId: sub, name: deviceId, location: primary });
      const device = await call(api(`/devices/${deviceId}`), {
        method: 'PUT',
        token: admin,
        json: {
          upn: `${deviceId}@contoso.test`,
          primaryRegion: primary,
          disk: { kind: 'managedDisk', armId },
          policyId: 'hourly',
          priorityTier: 2,
        },
      });
      expect(device.status, device.text).toBeLessThan(300);
    }
    const key: CopySlotKey = { subscriptionId: sub, targetRegion: backup };
    return { tenantId, key, device: (deviceId: string) => deviceOf(tenantId, sub, group, key, deviceId) };
  }

  /** One device's messages, targets and slot requests. */
  function deviceOf(tenantId: string, sub: string, group: string, key: CopySlotKey, deviceId: string) {
    const request = (takenAt: number, step: Partial<RestorePointRequest> = {}): RestorePointRequest => ({
      tenantId,
      deviceId,
      takenAt: new Date(takenAt).toISOString(),
      kind: 'scheduled',
      attempt: 1,
      check: 0,
      ...step,
    });
    const target = (takenAt: number): RestorePointTarget => ({
      region: backup,
      tenantId,
      deviceId,
      takenAt: new Date(takenAt),
      kind: 'scheduled',
      backupResourceGroups: [group],
    });
    /** The slot requests of this point's copy among those waiting and those holding a slot. */
    const requestsOf = async (takenAt: number) => {
      const copy = snapshotId(
        sub,
        'rg-dr',
        managedSnapshotName(tenantId, deviceId, new Date(takenAt), 'copy'),
      );
      // Every generation's request id (copySlotIds.ts): a copy started again asks under the next.
      const ids = new Set(
        Array.from({ length: maxCopyGenerations }, (_, g) => requestIdOf(copyIdOf(copy, g))),
      );
      const waiting = await slots.oldestWaiting(key, 2 * slotLimit);
      const holders = await slots.holders(await slots.lease(key), new Date());
      return {
        waiting: waiting.filter((w) => ids.has(w.requestId)).length,
        holding: holders.filter((h) => ids.has(h.requestId)).length,
      };
    };
    /** The messages the worker (and the grants) sent for this device: checks, retries and wake-ups. */
    const messages = () =>
      sent.filter(
        (m) =>
          (m.body as Partial<RestorePointRequest>).deviceId === deviceId &&
          (m.body as Partial<RestorePointRequest>).tenantId === tenantId,
      );
    return { tenantId, deviceId, key, request, target, requestsOf, messages };
  }

  /** A tenant with one device. */
  async function tenantWithDevice() {
    const tenant = await tenantWithDevices(['pc-1']);
    return tenant.device('pc-1');
  }

  /** Every slot of the key held by copies of nobody's, so the next request waits. */
  async function fill(key: CopySlotKey, count = slotLimit): Promise<string[]> {
    const fillers = Array.from({ length: count }, (_, i) => `filler-${i}`);
    for (const id of fillers) await slots.request(key, id);
    await services().copySlotScheduler.run();
    for (const id of fillers) expect(await slots.request(key, id)).toBe('granted');
    return fillers;
  }

  beforeAll(async () => {
    // The double's clock all but stopped: ARM's 5-s create takes 5,000 real seconds unless advanced.
    double = await startArmDouble({ timeScale: 0.001 });
    env = await startTestEnvironment();
    installServices({
      clock,
      events: { emit: (event, properties) => void events.push({ event, properties }) },
      // One attempt: a failure gives the slot up at once. The looks at a copy as in production.
      worker: {
        maxAttempts: 1,
        retryBaseDelayInMs: 10,
        retryMaxDelayInMs: 20,
        cacheTtlInMs: 0,
        ...lookDelays,
      },
      wrapWorkQueue: (queue) => ({
        send: async (name, messages, options) => {
          sent.push(
            ...messages.map((m) => ({ queue: name, id: m.id, body: m.body, delayInMs: options?.delayInMs })),
          );
          await queue.send(name, messages, options);
        },
      }),
      // No `copySlots` override: the composition root's CosmosCopySlots, as in production.
      arm: { credential: double.credential, ...double.clientOptions(), pollIntervalInMs: 10 },
    });
    const installed = installedStores().copySlots;
    if (!(installed instanceof CosmosCopySlots)) throw new TypeError('expected the Cosmos copy slots');
    slots = installed;
  }, 120_000);

  afterAll(async () => {
    await env?.close();
    await double?.close();
  });

  it('releases a request still waiting for a slot when the next slot supersedes it, and refuses it later', async () => {
    const device = await tenantWithDevice();
    const fillers = await fill(device.key);
    const first = clock.time;
    const worker = services().restorePointWorker;
    // The slot's snapshot is asked for; its copy, at the next message, asks for a CopyStart slot and waits.
    expect(await worker.handle(device.request(first))).toBe('checking');
    expect(await worker.handle(device.request(first, { check: 1 }))).toBe('checking');
    expect(await device.requestsOf(first)).toEqual({ waiting: 1, holding: 0 });
    const { pending } = (await installedStores().devices.get(device.tenantId, device.deviceId))!;
    expect(pending?.takenAt).toBe(new Date(first).toISOString());

    // An hour later the next slot comes while the first still waits: the first is given up.
    const next = first + hour;
    clock.time = next;
    expect(await worker.handle(device.request(next))).toBe('checking');
    expect(await device.requestsOf(first)).toEqual({ waiting: 0, holding: 0 });

    // Slots come free: none goes to the point given up.
    for (const id of fillers) await slots.release(device.key, id);
    await services().copySlotScheduler.run();
    expect(await device.requestsOf(first)).toEqual({ waiting: 0, holding: 0 });

    // A late start of the given-up point (a duplicate message) is refused: it asks for no slot.
    const late = await installedStores().managedPoints.startCopy(pending!.snapshot, device.target(first));
    expect(late.state).toBe('failed');
    expect(await device.requestsOf(first)).toEqual({ waiting: 0, holding: 0 });
    expect(
      double
        .snapshots()
        .filter((s) => s.createOption === 'CopyStart' && s.subscriptionId === device.key.subscriptionId),
    ).toEqual([]);
  });

  it('releases a granted slot whose copy never started when the slot is given up, and refuses it later', async () => {
    const device = await tenantWithDevice();
    const takenAt = clock.time;
    const worker = services().restorePointWorker;
    expect(await worker.handle(device.request(takenAt))).toBe('checking');
    expect(await worker.handle(device.request(takenAt, { check: 1 }))).toBe('checking');
    await services().copySlotScheduler.run();
    // Granted; the source snapshot is still being created in ARM, so nothing is recorded yet.
    expect(await worker.handle(device.request(takenAt, { check: 2 }))).toBe('checking');
    expect(await device.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 1 });
    expect(await installedStores().managedPoints.list(backup, device.tenantId, device.deviceId)).toEqual([]);
    const { pending } = (await installedStores().devices.get(device.tenantId, device.deviceId))!;

    // Reading the source fails at the last attempt: the slot is given up.
    const stop = double.inject({
      match: { method: 'GET', pathIncludes: pending!.snapshot.snapshotId.split('/').pop()! },
      status: 409,
      code: 'Conflict',
      message: 'injected',
    });
    try {
      expect(await worker.handle(device.request(takenAt, { check: 3 }))).toBe('given-up');
    } finally {
      stop();
    }
    expect(await device.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 0 });

    double.advance(60_000);
    const late = await installedStores().managedPoints.startCopy(pending!.snapshot, device.target(takenAt));
    expect(late.state).toBe('failed');
    expect(await device.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 0 });
    await services().copySlotScheduler.run();
    expect(await device.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 0 });
  });

  it('wakes a copy when its slot is granted, looks again itself only after the safety delay, and hands a freed slot on before verifying', async () => {
    const tenant = await tenantWithDevices(['pc-a', 'pc-b']);
    const [a, b] = [tenant.device('pc-a'), tenant.device('pc-b')];
    await fill(tenant.key, slotLimit - 1);
    const takenAt = clock.time;
    const worker = services().restorePointWorker;
    const last = (device: typeof a) => device.messages().at(-1);
    for (const device of [a, b]) expect(await worker.handle(device.request(takenAt))).toBe('checking');
    double.advance(10_000);

    // Both ask for a slot and wait: their next look is the slow safety net, not the 10-s check.
    for (const device of [a, b]) {
      expect(await worker.handle(device.request(takenAt, { check: 1 }))).toBe('checking');
      expect(last(device)).toMatchObject({
        body: { check: 2 },
        delayInMs: lookDelays.slotWaitCheckDelayInMs,
      });
      expect(await device.requestsOf(takenAt)).toEqual({ waiting: 1, holding: 0 });
    }
    // The tick grants the one free slot to the older request, and sends its wake-up at once.
    expect((await services().copySlotScheduler.run()).granted).toBe(1);
    expect(await a.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 1 });
    expect(last(a)).toMatchObject({ body: { check: wakeCheck }, delayInMs: undefined });

    // The wake-up is lost: A's own slow look still finds its grant and starts the copy.
    const copiesOf = (device: typeof a) =>
      double
        .snapshots()
        .filter((s) => s.createOption === 'CopyStart' && s.tags['clouddr-device'] === device.deviceId);
    expect(await worker.handle(a.request(takenAt, { check: 2 }))).toBe('checking');
    expect(copiesOf(a)).toHaveLength(1);
    // No pace yet: looked at again after the check delay.
    expect(last(a)).toMatchObject({ body: { check: 3 }, delayInMs: lookDelays.checkDelayInMs });
    // Half way: its next look follows its pace, within the bounds.
    double.advance(5_000 + 150_000);
    expect(await worker.handle(a.request(takenAt, { check: 3 }))).toBe('checking');
    const paced = last(a)!;
    expect(paced.body).toMatchObject({ check: 4 });
    expect(paced.delayInMs).toBeGreaterThanOrEqual(lookDelays.minCopyCheckDelayInMs);
    expect(paced.delayInMs).toBeLessThanOrEqual(lookDelays.maxCopyCheckDelayInMs);

    // A's copy ends: its slot goes to B at once (no tick), with B's wake-up; A's verification is
    // put behind it, as A's next message, due now.
    double.advance(10 * 60_000);
    const sentBefore = sent.length;
    expect(await worker.handle(a.request(takenAt, { check: 4 }))).toBe('checking');
    expect(await a.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 0 });
    expect(await b.requestsOf(takenAt)).toEqual({ waiting: 0, holding: 1 });
    const order = sent.slice(sentBefore).map((m) => m.body as RestorePointRequest);
    expect(order.map((m) => [m.deviceId, m.check])).toEqual([
      ['pc-b', wakeCheck],
      ['pc-a', verifyCheck],
    ]);
    expect(last(a)).toMatchObject({ delayInMs: 0 });
    // B's wake-up starts its copy; B's own older look, when it comes, is dropped.
    expect(await worker.handle(b.request(takenAt, { check: wakeCheck }))).toBe('checking');
    expect(copiesOf(b)).toHaveLength(1);
    expect(await worker.handle(b.request(takenAt, { check: 2 }))).toBe('skipped');
    // A's verification: verified and recorded, its slot not handed on twice.
    expect(await worker.handle(a.request(takenAt, { check: verifyCheck }))).toBe('recorded');
    expect((await installedStores().devices.get(a.tenantId, a.deviceId))?.lastVerifiedAt).toBe(
      new Date(takenAt).toISOString(),
    );
    // A late look of A's older chain finds the slot recorded, and does nothing.
    const calls = double.stats().totalCalls;
    expect(await worker.handle(a.request(takenAt, { check: 5 }))).toBe('already-recorded');
    expect(double.stats().totalCalls).toBe(calls);
  });
});
