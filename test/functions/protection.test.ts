/**
 * The protection cycle end to end on real Azurite (two regions) and the Cosmos emulator: the
 * registered timer's use case on a controlled clock, the registered queue worker behind the local
 * queue host, restore points copied to the backup region and verified.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import { resetConfig } from '../../src/config';
import { pointsToPrune } from '../../src/domain/retention';
import { restorePointName, type RestorePoint } from '../../src/domain/restorePoint';
import { registeredFunctions, type QueueFunction } from '../../src/functions/registry';
import { startQueueHost, type QueueHost } from '../../src/local/queueHost';
import type { EventLog } from '../../src/ports/EventLog';
import { createDisk, regionBlobService, writeToDisk } from '../support/disks';
import { call } from '../support/http';
import { diskScope, provisionTenant } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const hour = 3_600_000;
const workerOptions = {
  checkDelayInMs: 50,
  retryBaseDelayInMs: 20,
  retryMaxDelayInMs: 100,
  maxAttempts: 3,
  // A disk scope taken away is seen by the next point, not 30 s later.
  cacheTtlInMs: 0,
};
const day = 24 * hour;

describe('protection cycle', () => {
  let env: TestEnvironment;
  let queueHost: QueueHost;
  let admin: string;
  const clock = new TestClock(Date.parse('2026-03-02T00:00:00Z'));
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const tenantId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  /** This file's own disks: other files running at the same time use the same device ids. */
  const diskContainer = `prot-${randomBytes(6).toString('hex')}`;

  async function put(path: string, json: unknown): Promise<void> {
    const response = await call(api(path), { method: 'PUT', token: admin, json });
    expect(response.status, response.text).toBeLessThan(300);
  }

  async function registerDevices(ids: string[], policyId: string): Promise<void> {
    const primary = regionBlobService(env.settings, 'westeurope');
    for (const id of ids) {
      await createDisk(primary, diskContainer, `${id}.vhd`);
      await put(`/devices/${id}`, {
        upn: `${id}@contoso.test`,
        primaryRegion: 'westeurope',
        disk: { container: diskContainer, blob: `${id}.vhd` },
        policyId,
        priorityTier: 2,
      });
    }
  }

  async function points(deviceId: string): Promise<RestorePoint[]> {
    return await installedStores().points.list('northeurope', tenantId, deviceId);
  }

  /** Runs the timer's use case at `time`, then waits until the worker has recorded every expected device. */
  async function cycle(time: number, expectRecorded: string[], rpo = hour): Promise<void> {
    clock.time = time;
    await services().scheduler.run(clock.now());
    await recorded(time, expectRecorded, rpo);
  }

  async function recorded(time: number, ids: string[], rpo = hour): Promise<void> {
    try {
      await allRecorded(time, ids, rpo);
    } catch (err) {
      // Which device is missing, and where it stands: what a failure on a loaded machine needs.
      const devices = await Promise.all(ids.map((id) => installedStores().devices.get(tenantId, id)));
      const states = devices.map((d) => ({
        id: d?.id,
        lastVerifiedAt: d?.lastVerifiedAt,
        pending: d?.pending,
      }));
      const problems = events.filter((e) => e.event.startsWith('restore-point.')).slice(-10);
      throw new Error(`Not every device recorded: ${JSON.stringify({ states, problems })}`, { cause: err });
    }
  }

  async function allRecorded(time: number, ids: string[], rpo = hour): Promise<void> {
    await expect
      .poll(
        async () => {
          const devices = await Promise.all(ids.map((id) => installedStores().devices.get(tenantId, id)));
          return devices.filter(
            (d) => d?.lastVerifiedAt && Date.parse(d.lastVerifiedAt) > time - rpo && !d.pending,
          ).length;
        },
        { timeout: 20_000, interval: 50 },
      )
      .toBe(ids.length);
  }

  async function startWorkers(): Promise<void> {
    const worker = registeredFunctions().filter(
      (f): f is QueueFunction => f.kind === 'queue' && f.name === 'takeRestorePoint',
    );
    queueHost = await startQueueHost({
      connection: services().config.workQueue.connection,
      functions: worker,
      options: { visibilityTimeoutInMs: 2_000, minPollIntervalInMs: 20, maxPollIntervalInMs: 100 },
    });
  }

  beforeAll(async () => {
    env = await startTestEnvironment();
    installServices({
      clock,
      events: eventLog,
      worker: workerOptions,
    });
    await startWorkers();
    admin = await env.token(tenantId, ['DR.Admin']);
    await provisionTenant(env, tenantId, { licences: 6, diskScopes: [diskScope(diskContainer)] });
    await put('/policies/hourly', { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 });
    await put('/policies/off', {
      name: 'Disabled',
      backupRegion: 'northeurope',
      rpoHours: 1,
      enabled: false,
    });
  });
  afterAll(async () => {
    await queueHost?.stop();
    await env.close();
  });

  describe('a fleet over many slots', () => {
    const licensed = ['d01', 'd02', 'd03', 'd04', 'd05'];
    const disabled = ['off-1'];
    const unlicensed = ['over-1', 'over-2'];

    beforeAll(async () => {
      await registerDevices([...licensed, ...disabled], 'hourly');
      await put('/policies/hourly', { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 });
      // Six licences: five hourly devices and the disabled one; the last two are over the count.
      await registerDevices(unlicensed, 'hourly');
      await put(`/devices/off-1`, {
        upn: 'off-1@contoso.test',
        primaryRegion: 'westeurope',
        disk: { container: diskContainer, blob: 'off-1.vhd' },
        policyId: 'off',
        priorityTier: 2,
      });
    });

    it('stores devices beyond the licence count without protecting them, and says so', async () => {
      const response = await call(api('/devices/over-2'), { token: admin });
      expect(response.body).toMatchObject({ licensed: false, status: 'unlicensed' });
      expect((await call(api('/devices/d01'), { token: admin })).body).toMatchObject({
        licensed: true,
        status: 'not-yet-protected',
      });
    });

    it('gives every licensed device exactly one verified point per slot, even when two timers fire for the slot', async () => {
      const start = clock.time;
      const slots = 4;
      for (let slot = 1; slot <= slots; slot += 1) {
        const time = start + slot * hour;
        clock.time = time;
        // Both control-plane regions' timers fire for the same slot; messages are duplicated.
        await Promise.all([services().scheduler.run(clock.now()), services().scheduler.run(clock.now())]);
        await cycle(time, licensed);
        for (const id of licensed)
          await writeToDisk(regionBlobService(env.settings, 'westeurope'), diskContainer, `${id}.vhd`);
      }
      for (const id of licensed) {
        const list = await points(id);
        expect(list, id).toHaveLength(slots);
        expect(list.every((p) => p.verified && p.kind === 'scheduled')).toBe(true);
        const hoursBack = list.map((p) => Math.floor((start + slots * hour - Date.parse(p.takenAt)) / hour));
        expect(new Set(hoursBack).size, `${id}: one point per slot`).toBe(slots);
      }
      for (const id of [...unlicensed, ...disabled]) expect(await points(id), id).toHaveLength(0);
    });

    it('copies the content of the disk as it was when the snapshot was taken', async () => {
      const primary = regionBlobService(env.settings, 'westeurope')
        .getContainerClient(diskContainer)
        .getPageBlobClient('d01.vhd');
      const expected = await primary.downloadToBuffer();
      await cycle(clock.time + hour, licensed);
      const [latest] = await points('d01');
      const copy = await regionBlobService(env.settings, 'northeurope')
        .getContainerClient('restore-points')
        .getPageBlobClient(latest!.name)
        .downloadToBuffer();
      expect(copy.equals(expected)).toBe(true);
    });

    it('reports compliance per status from the histogram, and its rows agree', async () => {
      const response = await call(api('/compliance'), { token: admin });
      expect(response.status).toBe(200);
      expect(response.body.counts).toEqual({
        protected: 5,
        'at-risk': 0,
        breached: 0,
        'not-yet-protected': 0,
        unlicensed: 2,
        disabled: 1,
      });
      expect(response.body.total).toBe(8);
      const statuses = response.body.devices
        .map((r: { deviceId: string; status: string }) => `${r.deviceId}:${r.status}`)
        .sort();
      expect(statuses).toEqual([
        'd01:protected',
        'd02:protected',
        'd03:protected',
        'd04:protected',
        'd05:protected',
        'off-1:disabled',
        'over-1:unlicensed',
        'over-2:unlicensed',
      ]);
    });

    it('goes at risk after one RPO and breached after two, announcing each transition once, and back once copies succeed', async () => {
      const last = clock.time;
      const lastVerified = await Promise.all(
        licensed.map(async (id) =>
          Date.parse((await installedStores().devices.get(tenantId, id))!.lastVerifiedAt!),
        ),
      );
      // Workers stopped: the timer keeps dispatching, but no copy lands.
      await queueHost.stop();
      events.length = 0;

      clock.time = last + 1.5 * hour;
      await services().scheduler.run(clock.now());
      await services().scheduler.run(clock.now());
      const expected = (t: number) => ({
        atRisk: lastVerified.filter((v) => t - v > hour && t - v <= 2 * hour).length,
        breached: lastVerified.filter((v) => t - v > 2 * hour).length,
      });
      let report = (await call(api('/compliance'), { token: admin })).body;
      expect(report.counts['at-risk']).toBe(expected(clock.time).atRisk);
      expect(report.counts.breached).toBe(expected(clock.time).breached);
      expect(report.counts['at-risk'] + report.counts.breached).toBe(5);
      const atRiskRows = (await call(api('/compliance?status=at-risk'), { token: admin })).body.devices;
      expect(atRiskRows).toHaveLength(expected(clock.time).atRisk);

      clock.time = last + 2.5 * hour;
      await services().scheduler.run(clock.now());
      report = (await call(api('/compliance'), { token: admin })).body;
      expect(report.counts.breached).toBe(5);
      const csv = await call(api('/compliance?format=csv&status=breached'), { token: admin });
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(csv.text.trim().split('\r\n')).toHaveLength(6);
      // Every device announced breached exactly once, each at-risk one at most once.
      const announced = (name: string) =>
        events
          .filter((e) => e.event === name)
          .map((e) => String(e.properties['deviceId']))
          .sort();
      expect(announced('rpo.breached')).toEqual(licensed);
      expect(new Set(announced('rpo.at-risk')).size).toBe(announced('rpo.at-risk').length);

      await startWorkers();
      await recorded(clock.time, licensed);
      report = (await call(api('/compliance'), { token: admin })).body;
      expect(report.counts.protected).toBe(5);
      expect(announced('rpo.protected')).toEqual(licensed);
    });

    it('leaves a slot recorded by a duplicate alone when its message carries the device as it was', async () => {
      const id = licensed[0]!;
      // The second timer's message for the slot carries the device as the scheduler read it.
      const asScheduled = (await installedStores().devices.get(tenantId, id))!;
      const time = clock.time + hour;
      await cycle(time, licensed);
      const recorded = (await installedStores().devices.get(tenantId, id))!;
      const pointsBefore = await points(id);
      const outcome = await services().restorePointWorker.handle({
        tenantId,
        deviceId: id,
        takenAt: recorded.lastVerifiedAt!,
        kind: 'scheduled',
        attempt: 1,
        check: 0,
        device: asScheduled,
      });
      expect(outcome).toBe('already-recorded');
      const after = (await installedStores().devices.get(tenantId, id))!;
      expect(after.pending ?? undefined).toBeUndefined();
      expect(after.lastVerifiedAt).toBe(recorded.lastVerifiedAt);
      expect(await points(id)).toEqual(pointsBefore);
    });
  });

  describe('licences', () => {
    it('protects waiting devices, oldest first, when the tenant gets more licences', async () => {
      await provisionTenant(env, tenantId, { licences: 7, diskScopes: [diskScope(diskContainer)] });
      expect((await call(api('/devices/over-1'), { token: admin })).body).toMatchObject({
        licensed: true,
        status: 'not-yet-protected',
      });
      expect((await call(api('/devices/over-2'), { token: admin })).body).toMatchObject({
        licensed: false,
        status: 'unlicensed',
      });
      const report = (await call(api('/compliance'), { token: admin })).body;
      expect(report.counts).toMatchObject({ unlicensed: 1, 'not-yet-protected': 1 });
    });
  });

  describe('with the primary region unreachable', () => {
    beforeAll(async () => {
      // Room for more devices than the fleet above took.
      await provisionTenant(env, tenantId, { licences: 50, diskScopes: [diskScope(diskContainer)] });
    });

    it('still finds the latest verified point of every device from the backup region alone, and breaches on schedule', async () => {
      const ids = ['pr-1', 'pr-2'];
      await registerDevices(ids, 'hourly');
      await cycle(clock.time + hour, ids);
      const latestBefore = await Promise.all(
        ids.map((id) => installedStores().points.latestVerified('northeurope', tenantId, id)),
      );

      // The primary region's storage goes away: a closed port stands for it.
      const storage = JSON.parse(env.settings.REGION_STORAGE!) as Record<string, string>;
      const outage = {
        ...storage,
        westeurope: storage['westeurope']!.replace(
          /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/,
          'BlobEndpoint=http://127.0.0.1:1',
        ),
      };
      process.env.REGION_STORAGE = JSON.stringify(outage);
      resetConfig();
      installServices({
        clock,
        events: eventLog,
        worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 2 },
        storageRetry: { maxTries: 1, retryDelayInMs: 10 },
      });
      try {
        for (const [i, id] of ids.entries()) {
          expect((await installedStores().points.latestVerified('northeurope', tenantId, id))?.name).toBe(
            latestBefore[i]!.name,
          );
          expect(
            (await call(api(`/devices/${id}/restore-points`), { token: admin })).body.items[0].name,
          ).toBe(latestBefore[i]!.name);
        }
        events.length = 0;
        const time = clock.time + hour;
        clock.time = time;
        await services().scheduler.run(clock.now());
        const failed = () =>
          events.filter(
            (e) => e.event === 'restore-point.failed' && ids.includes(String(e.properties['deviceId'])),
          );
        await expect.poll(() => failed().length, { timeout: 20_000 }).toBe(ids.length);
        expect(
          events.some(
            (e) => e.event === 'restore-point.retrying' && e.properties['reason'] === 'snapshot-failed',
          ),
        ).toBe(true);
        clock.time = time + 1.5 * hour;
        expect(
          (await call(api('/compliance?status=breached'), { token: admin })).body.devices.map(
            (d: { deviceId: string }) => d.deviceId,
          ),
        ).toEqual(expect.arrayContaining(ids));
      } finally {
        process.env.REGION_STORAGE = JSON.stringify(storage);
        resetConfig();
        installServices({
          clock,
          events: eventLog,
          worker: workerOptions,
        });
      }
      await cycle(clock.time, ids);
      expect((await call(api(`/devices/pr-1`), { token: admin })).body.status).toBe('protected');
    });
  });

  describe('retention', () => {
    it('keeps exactly what the policy says over a simulated month, and the latest manual point until replaced', async () => {
      const retention = { latest: 5, weekly: 2, keepLatestManual: true };
      await put('/policies/daily', { name: 'Daily', backupRegion: 'northeurope', rpoHours: 24, retention });
      await registerDevices(['ret-1'], 'daily');
      const start = clock.time;
      let manualName: string | undefined;
      const taken: RestorePoint[] = [];
      const remember = async () => {
        const device = (await installedStores().devices.get(tenantId, 'ret-1'))!;
        const kind = taken.some((p) => p.name === device.lastRestorePoint)
          ? undefined
          : device.lastRestorePoint === manualName
            ? 'manual'
            : 'scheduled';
        if (kind)
          taken.push({
            tenantId,
            deviceId: 'ret-1',
            name: device.lastRestorePoint!,
            region: 'northeurope',
            takenAt: device.lastVerifiedAt!,
            kind,
            verified: true,
            sizeBytes: 0,
          });
      };
      for (let d = 1; d <= 30; d += 1) {
        await cycle(start + d * day, ['ret-1'], day);
        await remember();
        if (d === 12 || d === 20) {
          const response = await call(api('/devices/ret-1/restore-points'), {
            method: 'POST',
            token: await env.token(tenantId, ['DR.Operator']),
          });
          expect(response.status).toBe(202);
          manualName = response.body.name;
          await expect
            .poll(async () => (await installedStores().devices.get(tenantId, 'ret-1'))?.lastRestorePoint, {
              timeout: 10_000,
            })
            .toBe(manualName);
          await remember();
        }
      }
      expect(taken).toHaveLength(32);
      // What is left is every point ever taken less what the policy prunes: no more, no less.
      const pruned = new Set(pointsToPrune(taken, retention).map((p) => p.name));
      const expected = taken
        .filter((p) => !pruned.has(p.name))
        .map((p) => p.name)
        .sort();
      // Pruning follows the recording of the last point: wait for it to settle.
      await expect
        .poll(async () => (await points('ret-1')).map((p) => p.name).sort(), { timeout: 10_000 })
        .toEqual(expected);
      const kept = await points('ret-1');
      expect(kept.filter((p) => p.kind === 'manual').map((p) => p.name)).toEqual([manualName]);
      expect(kept.filter((p) => p.kind === 'scheduled').length).toBeGreaterThanOrEqual(retention.latest);
      expect(restorePointName(tenantId, 'ret-1', new Date(kept[0]!.takenAt))).toBe(kept[0]!.name);
      expect(kept[0]!.name.startsWith(`${tenantId}/ret-1/`)).toBe(true);
      // Thirty-two points one after the other: over 20 s alone, more beside another file's workers.
    }, 90_000);

    it("never prunes while the device's region is in outage mode, and pauses its scheduling", async () => {
      await installedStores().tenants.setRegionOutage(tenantId, 'westeurope', true);
      const before = await points('ret-1');
      clock.time += 3 * day;
      const run = await services().scheduler.run(clock.now());
      expect(run.paused).toBeGreaterThan(0);
      expect(run.dispatched).toBe(0);
      expect(await points('ret-1')).toEqual(before);
      await installedStores().tenants.setRegionOutage(tenantId, 'westeurope', false);
    });
  });
  describe('disk scopes', () => {
    it('stops protecting a disk whose scope the platform takes away, says why on the device, and resumes when granted again', async () => {
      await registerDevices(['scope-1'], 'hourly');
      await cycle(clock.time + hour, ['scope-1']);
      const kept = await points('scope-1');
      expect(kept.length).toBeGreaterThan(0);

      await provisionTenant(env, tenantId, { licences: 50, diskScopes: [] });
      events.length = 0;
      // A manual point is refused at once, saying why.
      const manual = await call(api('/devices/scope-1/restore-points'), {
        method: 'POST',
        token: await env.token(tenantId, ['DR.Operator']),
      });
      expect(manual.status, manual.text).toBe(400);
      expect(manual.body.code).toBe('disk-not-in-scopes');
      // A scheduled one is refused by the worker, which says so on the device and in the log.
      const time = clock.time + hour;
      clock.time = time;
      await services().scheduler.run(clock.now());
      await expect
        .poll(async () => (await call(api('/devices/scope-1'), { token: admin })).body.protectionBlocked, {
          timeout: 20_000,
          interval: 50,
        })
        .toEqual({ reason: 'disk-not-in-scopes', since: new Date(time).toISOString() });
      const blocked = events.filter(
        (e) => e.event === 'restore-point.blocked' && e.properties['deviceId'] === 'scope-1',
      );
      expect(blocked).toHaveLength(1);
      expect(await points('scope-1')).toEqual(kept);
      // Its slot moved on: it is tried again at its next slot, not at every timer run.
      const device = await installedStores().devices.get(tenantId, 'scope-1');
      expect(Date.parse(device!.nextDueAt)).toBeGreaterThan(time);
      expect(device!.pending).toBeUndefined();

      await provisionTenant(env, tenantId, { licences: 50, diskScopes: [diskScope(diskContainer)] });
      await cycle(clock.time + hour, ['scope-1']);
      const resumed = (await call(api('/devices/scope-1'), { token: admin })).body;
      expect(resumed.protectionBlocked).toBeUndefined();
      expect(resumed.status).toBe('protected');
      expect((await points('scope-1')).length).toBeGreaterThan(kept.length);
    }, 60_000);
  });
});
