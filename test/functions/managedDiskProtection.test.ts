/**
 * The protection cycle of managed disks end to end: devices registered through the API (checked in
 * ARM), the registered timer's use case on a controlled clock, the registered queue worker behind
 * the local queue host, incremental snapshots and CopyStart copies in the local ARM double (real
 * `@azure/arm-compute` client), the catalogue in Azurite's backup region, the Cosmos emulator.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import type { QueueHost } from '../../src/local/queueHost';
import type { EventLog } from '../../src/ports/EventLog';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { startArmDouble, type ArmDouble, type SeedDisk } from '../support/arm/startArmDouble';
import { call } from '../support/http';
import { MemoryCopySlots } from '../support/memoryCopySlots';
import { startRestorePointWorkerHost } from '../support/restorePointWorkerHost';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const hour = 3_600_000;
const primary = 'westeurope';
const backup = 'northeurope';
const deviceCount = 50;
const copySlotLimit = 20;

describe('managed-disk protection cycle', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let queueHost: QueueHost;
  let admin: string;
  const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const slots = new MemoryCopySlots(copySlotLimit);
  /** What the queue host logged as failed deliveries: shown when a cycle does not complete. */
  const workerErrors: string[] = [];
  const tenantId = randomUUID();
  const otherTenant = randomUUID();
  const sub = randomUUID();
  const foreignSub = randomUUID();
  const diskGroup = 'rg-desktops';
  const backupGroups = [
    `/subscriptions/${sub}/resourceGroups/rg-dr-a`,
    `/subscriptions/${sub}/resourceGroups/rg-dr-b`,
  ];
  const ids = Array.from({ length: deviceCount }, (_, i) => `md-${String(i).padStart(3, '0')}`);
  const diskIds = new Map<string, string>();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;

  const device = (id: string, armId = diskIds.get(id)!, policyId = 'hourly') => ({
    upn: `${id}@contoso.test`,
    primaryRegion: primary,
    disk: { kind: 'managedDisk', armId },
    policyId,
    priorityTier: 2,
  });

  async function put(path: string, json: unknown): Promise<void> {
    const response = await call(api(path), { method: 'PUT', token: admin, json });
    expect(response.status, response.text).toBeLessThan(300);
  }

  /** A desktop's OS disk (`${name}-os`) with its VM, in the tenant's subscription. */
  async function seedDisk(name: string, extra: Partial<SeedDisk> = {}) {
    return await seedDesktopDisk(double, {
      subscriptionId: sub,
      resourceGroup: diskGroup,
      name,
      location: primary,
      ...extra,
    });
  }

  /** Slot tags of the double's snapshots of a device, by kind, deleted ones included. */
  function snapshotsOf(id: string, createOption: 'Copy' | 'CopyStart') {
    return double
      .snapshots()
      .filter((s) => s.tags['clouddr-device'] === id && s.createOption === createOption);
  }

  /** Runs the timer's use case at `time` (twice at once: both regions' timers) and waits until every device recorded. */
  async function cycle(time: number, expected = ids): Promise<void> {
    clock.time = time;
    await Promise.all([services().scheduler.run(clock.now()), services().scheduler.run(clock.now())]);
    await recorded(time, expected);
  }

  async function recorded(time: number, expected: readonly string[]): Promise<void> {
    try {
      await expect
        .poll(
          async () => {
            const devices = await Promise.all(
              expected.map((id) => installedStores().devices.get(tenantId, id)),
            );
            return devices.filter(
              (d) => d?.lastVerifiedAt && Date.parse(d.lastVerifiedAt) > time - hour && !d.pending,
            ).length;
          },
          // A wait, not a speed target: the stuck-copy cycle takes about 16 s on an idle machine.
          { timeout: 60_000, interval: 100 },
        )
        .toBe(expected.length);
    } catch (err) {
      const problems = events.filter((e) => e.event.startsWith('restore-point.')).slice(-10);
      const states = (await Promise.all(expected.map((id) => installedStores().devices.get(tenantId, id))))
        .filter((d) => !d?.lastVerifiedAt || Date.parse(d.lastVerifiedAt) <= time - hour || d.pending)
        .slice(0, 3)
        .map((d) => ({ id: d?.id, nextDueAt: d?.nextDueAt, pending: d?.pending, last: d?.lastVerifiedAt }));
      throw new Error(
        `Not every device recorded: ${JSON.stringify({ problems, states, errors: workerErrors.slice(-5), stats: double.stats().refusals })}`,
        {
          cause: err,
        },
      );
    }
  }

  async function points(id: string) {
    return await installedStores().points.list(backup, tenantId, id);
  }

  beforeAll(async () => {
    // One real second is an hour of the double's time: a 16 GiB seed copy takes ~10 s of it.
    double = await startArmDouble({ timeScale: 3_600 });
    env = await startTestEnvironment();
    installServices({
      clock,
      events: eventLog,
      worker: {
        checkDelayInMs: 50,
        snapshotCheckDelayInMs: 20,
        retryBaseDelayInMs: 20,
        retryMaxDelayInMs: 100,
        maxAttempts: 4,
        cacheTtlInMs: 0,
      },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        copySlots: slots,
        pollIntervalInMs: 10,
        // SAS lifetimes are in the double's (scaled) time: 10 h of it is 10 s here.
        store: { contentSampleEvery: 5, copyTimeoutInMs: 3_000, sasDurationInSeconds: 36_000 },
      },
    });
    queueHost = await startRestorePointWorkerHost({ visibilityTimeoutInMs: 5_000, errors: workerErrors });
    admin = await env.token(tenantId, ['DR.Admin']);
    const platform = await platformToken(env);
    for (const [id, scope] of [
      [tenantId, `/subscriptions/${sub}`],
      [otherTenant, `/subscriptions/${foreignSub}`],
    ] as const) {
      const response = await call(`${env.baseUrl}/platform/tenants/${id}`, {
        method: 'PUT',
        token: platform,
        json: {
          name: 'Contoso',
          licences: 100,
          allowedBackupRegions: [backup],
          diskScopes: [{ kind: 'managedDisk', armScope: scope }],
          ...(id === tenantId ? { backupResourceGroups: { [backup]: backupGroups } } : {}),
        },
      });
      expect(response.status, response.text).toBe(201);
    }
    await put('/policies/hourly', {
      name: 'Hourly',
      backupRegion: backup,
      rpoHours: 1,
      retention: { latest: 1, weekly: 0, keepLatestManual: false },
    });
    for (const id of ids) diskIds.set(id, await seedDisk(id));
    for (const id of ids) await put(`/devices/${id}`, device(id));
  }, 120_000);

  afterAll(async () => {
    await queueHost?.stop();
    await env?.close();
    await double?.close();
  });

  it('records what ARM says of each disk at registration', async () => {
    const response = await call(api(`/devices/${ids[0]}`), { token: admin });
    expect(response.body).toMatchObject({
      disk: { kind: 'managedDisk', armId: diskIds.get(ids[0]!) },
      diskFacts: {
        sizeGB: 16,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        securityType: 'TrustedLaunch',
        vm: { size: 'Standard_D2s_v5' },
      },
    });
  });

  it('refuses a disk outside the scopes, missing, not an OS disk or in another region, naming the field', async () => {
    const outside = await double.seedDisk({
      subscriptionId: foreignSub,
      resourceGroup: diskGroup,
      name: 'foreign-os',
      location: primary,
      sizeGB: 16,
      osType: 'Windows',
      hyperVGeneration: 'V2',
    });
    // A disk without osType is a data disk.
    const noOs = await double.seedDisk({ ...seedArgs('plain-data'), osType: undefined as never });
    const elsewhere = await seedDisk('far', { location: 'uksouth' });
    const missing = diskIds.get(ids[0]!)!.replace(`${ids[0]}-os`, 'no-such-os');
    const armCallsBefore = double.stats().totalCalls;
    const refused = await call(api('/devices/foreign'), {
      method: 'PUT',
      token: admin,
      json: device('foreign', outside),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'body.disk' })]);
    // Refused on the scope alone, before any ARM call: nothing about the other tenant's disk is told.
    expect(double.stats().totalCalls).toBe(armCallsBefore);
    for (const armId of [missing, noOs, elsewhere]) {
      const response = await call(api('/devices/bad'), {
        method: 'PUT',
        token: admin,
        json: device('bad', armId),
      });
      expect(response.status, armId).toBe(400);
      expect(response.body.errors, armId).toEqual([expect.objectContaining({ field: 'body.disk' })]);
    }
    expect((await call(api('/devices/bad'), { token: admin })).status).toBe(404);

    function seedArgs(name: string) {
      return {
        subscriptionId: sub,
        resourceGroup: diskGroup,
        name,
        location: primary,
        sizeGB: 16,
        osType: 'Windows' as const,
        hyperVGeneration: 'V2' as const,
      };
    }
  });

  it('refuses a backup resource group outside the tenant’s managed-disk scopes, naming the field', async () => {
    const response = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: await platformToken(env),
      json: {
        name: 'Contoso',
        licences: 100,
        allowedBackupRegions: [backup],
        diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${sub}` }],
        backupResourceGroups: {
          [backup]: [...backupGroups, `/subscriptions/${foreignSub}/resourceGroups/rg-x`],
        },
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ field: `body.backupResourceGroups.${backup}.2` }),
    ]);
    const tenant = await call(`${env.baseUrl}/tenants/${tenantId}`, { token: admin });
    expect(tenant.body.backupResourceGroups).toEqual({ [backup]: backupGroups });
  });

  it('takes one snapshot and one copy per device and slot, with duplicate timers, never above the CopyStart slots', async () => {
    const time = clock.time + hour;
    await cycle(time);
    for (const id of ids) {
      const [point, ...rest] = await points(id);
      expect(rest, id).toEqual([]);
      expect(point, id).toMatchObject({ verified: true, snapshotArmId: expect.stringMatching(/rg-dr-[ab]/) });
      expect(snapshotsOf(id, 'Copy'), id).toHaveLength(1);
      expect(snapshotsOf(id, 'CopyStart'), id).toHaveLength(1);
      expect(snapshotsOf(id, 'CopyStart')[0]!.completionPercent).toBe(100);
    }
    // Sharded over both backup groups.
    const groups = new Set(ids.map((id) => snapshotsOf(id, 'CopyStart')[0]!.resourceGroup));
    expect(groups).toEqual(new Set(['rg-dr-a', 'rg-dr-b']));
    expect(slots.maxGranted.get(`${sub}|${backup}`.toLowerCase())).toBeLessThanOrEqual(copySlotLimit);
    for (const flight of double.stats().copiesInFlight)
      expect(flight.maxInFlight).toBeLessThanOrEqual(copySlotLimit);
    expect(slots.waits).toBeGreaterThan(0);
  }, 120_000);

  // Whole cycles of 50 devices: minutes of emulator work on a loaded machine, never a speed target.
  it('copies only the changes next, keeps the newest copy as the base when pruning, and releases the old source', async () => {
    for (const round of [1, 2]) {
      for (const id of ids) double.writeToDisk(diskIds.get(id)!, 1);
      await cycle(clock.time + hour);
      for (const id of ids) {
        const copies = snapshotsOf(id, 'CopyStart');
        expect(copies, id).toHaveLength(1 + round);
        // Incremental: the retention of 1 pruned the older points but never the newest copy, so
        // the chain in the backup region held and only the 1 GiB written travelled.
        expect(copies.at(-1)!.copyGiB, id).toBe(1);
        // Pruning follows the device's record in the worker: wait for it to settle.
        await expect
          .poll(() => snapshotsOf(id, 'CopyStart').filter((c) => !c.deleted).length, { timeout: 20_000 })
          .toBe(1);
        await expect.poll(async () => (await points(id)).length, { timeout: 20_000 }).toBe(1);
        // The newest source stays as the base of the next snapshot's copy; older ones went.
        await expect
          .poll(() => snapshotsOf(id, 'Copy').filter((s) => !s.deleted).length, { timeout: 20_000 })
          .toBe(1);
      }
    }
  }, 120_000);

  it('lists points and finds the recovery source from the backup region with the primary region’s ARM unreachable', async () => {
    const stop = double.inject({ unreachableRegion: primary, behaviour: 'reset' });
    try {
      const response = await call(api(`/devices/${ids[3]}/restore-points`), { token: admin });
      expect(response.status, response.text).toBe(200);
      expect(response.body.items).toEqual([expect.objectContaining({ verified: true })]);
      const source = await installedStores().managedPoints.recoverySource(backup, tenantId, ids[3]!);
      expect(source?.point).toMatchObject({
        verified: true,
        snapshotArmId: expect.stringMatching(/rg-dr-[ab]/),
      });
      // The copy in the backup region, by its id: what a new disk is made from, with no ARM call.
      expect(source).toMatchObject({ kind: 'managedSnapshot', snapshotId: source?.point.snapshotArmId });
    } finally {
      stop();
    }
  });

  it('retries a stuck copy from a deleted target, never offering it, holding the disk’s copy order', async () => {
    for (const id of ids) double.writeToDisk(diskIds.get(id)!, 1);
    const stall = double.inject({ copy: 'stall', match: { targetIncludes: '-c' }, times: 1 });
    const time = clock.time + hour;
    try {
      await cycle(time, ids);
    } finally {
      stall();
    }
    const stuck = events.filter((e) => e.event === 'restore-point.copy-stuck');
    expect(stuck).toHaveLength(1);
    const stuckDevice = stuck[0]!.properties.deviceId as string;
    expect(
      events.some((e) => e.event === 'restore-point.retrying' && e.properties.deviceId === stuckDevice),
    ).toBe(true);
    const copies = snapshotsOf(stuckDevice, 'CopyStart');
    const stuckSlot = stuck[0]!.properties.takenAt as string;
    const slotCopies = copies.filter((c) => c.tags['clouddr-slot'] === stuckSlot);
    // The stuck target was deleted before the slot's copy was started again, in creation order.
    expect(slotCopies.length).toBe(2);
    expect(slotCopies[0]!.deleted).toBe(true);
    expect(slotCopies[1]!.creationOrder).toBeGreaterThan(slotCopies[0]!.creationOrder);
    expect(slotCopies[1]!.completionPercent).toBe(100);
    const [point] = await points(stuckDevice);
    expect(point).toMatchObject({ verified: true, takenAt: stuckSlot });
    expect(Date.parse(stuckSlot)).toBeGreaterThan(time - hour);
  }, 120_000);

  it('drops a check a slot grant’s wake-up overtook, so one slot runs one chain of checks', async () => {
    // The worker's use case called directly, with the queue host stopped, so the order is the
    // test's: the slot's first message, the wake-up a CopyStart grant sends, then the check the
    // first message had queued (the one the wake-up overtook).
    await queueHost.stop();
    const id = 'md-wake';
    diskIds.set(id, await seedDisk(id));
    await put(`/devices/${id}`, device(id));
    const worker = services().restorePointWorker;
    const slot = { tenantId, deviceId: id, takenAt: clock.now().toISOString(), kind: 'manual' as const };
    // The snapshot is asked for; its copy is asked for at the next message (start–record–check).
    expect(await worker.handle({ ...slot, attempt: 1, check: 0 })).toBe('checking');
    expect(snapshotsOf(id, 'Copy')).toHaveLength(1);
    expect(snapshotsOf(id, 'CopyStart')).toHaveLength(0);
    // The wake-up (RestorePointWorker's check number for it): the copy starts.
    expect(await worker.handle({ ...slot, attempt: 1, check: 1_000_000 })).toBe('checking');
    expect(snapshotsOf(id, 'CopyStart')).toHaveLength(1);
    // The overtaken check: dropped before any ARM call, and it sends nothing.
    const calls = double.stats().totalCalls;
    expect(await worker.handle({ ...slot, attempt: 1, check: 1 })).toBe('skipped');
    expect(double.stats().totalCalls).toBe(calls);
    // The wake-up delivered again (a crash before it was done) is not dropped.
    expect(await worker.handle({ ...slot, attempt: 1, check: 1_000_000 })).not.toBe('skipped');
    queueHost = await startRestorePointWorkerHost({ visibilityTimeoutInMs: 5_000 });
    await expect
      .poll(async () => (await points(id))[0]?.verified, { timeout: 20_000, interval: 100 })
      .toBe(true);
    expect(snapshotsOf(id, 'CopyStart')).toHaveLength(1);
  }, 60_000);
});
