/**
 * The primary region's storage stops answering without refusing anything: a blackhole proxy in
 * front of its account's blob, queue and table endpoints accepts connections and never answers,
 * as most regional outages look from outside. The surviving region's control plane (northeurope)
 * must answer every route within its bound, 503 naming `storage:westeurope` where the route needs
 * the primary, change nothing behind a 503, keep its workers moving, and resume when the region
 * comes back with nothing lost or doubled. Real Azurite and the Cosmos emulator behind it all.
 *
 * Azurite copies between accounts only when the copy's source names the host and port the request
 * came to (`BlobHandler.validateCopySource`), so a restore point's copy cannot work with the
 * primary's endpoints behind a proxy and the backup's not. The slots before and after the outage
 * are therefore taken with the primary's storage reached directly (the services rebuilt with the
 * other `REGION_STORAGE`, as protection.test.ts does for its outage); during the outage the
 * snapshot, the step before any copy, is what falls into the blackhole.
 *
 * The circuit breakers run on a clock of the test's own (`breakerClock`): an open circuit stays open
 * until a test moves that clock past its window, so whether a call fails fast or probes the region
 * is decided by the test, not by how slow the machine is (a 15 s window once lapsed mid-test under
 * load, and a call meant to fail fast waited its whole deadline in the blackhole).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultBudgets } from '../../src/adapters/deadlines/budgets';
import { installedStores, installServices, services, type ServiceOverrides } from '../../src/compositionRoot';
import { resetConfig } from '../../src/config';
import { registeredFunctions, type QueueFunction } from '../../src/functions/registry';
import { startQueueHost, type QueueHost } from '../../src/local/queueHost';
import type { EventLog } from '../../src/ports/EventLog';
import { createDisk } from '../support/disks';
import { eventually } from '../support/eventually';
import { call, type TestResponse } from '../support/http';
import { proxiedRegion, regionStorageWith, timed, type ProxiedRegion } from '../support/outage';
import { stateSnapshot } from '../support/stateSnapshot';
import { diskScope, platformToken, provisionTenant } from '../support/tenants';
import { startRecoveryRuntime, type RecoveryRuntime } from '../support/recoveryRuntime';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

const hour = 3_600_000;
/** Every request answers within this (production's budget, not a test's)... */
const bound = defaultBudgets.httpRequestInMs;
/** ...asserted with room for a slow, shared machine: a hang would take minutes, not 2× the bound. */
const generousBound = 2 * bound;
/** An open circuit answers at once: well under the 5 s a read on a request's path may take. */
const fastFail = defaultBudgets.request.read / 2;

/** Set to a time, then running from it at wall-clock pace, as activations.test.ts's. */
class RunningClock {
  private setAt = Date.now();
  constructor(private time: number) {}
  set(time: number): void {
    this.time = time;
    this.setAt = Date.now();
  }
  now(): Date {
    return new Date(this.time + (Date.now() - this.setAt));
  }
}

/** How long an open circuit refuses calls before it lets one probe the region. */
const openForMs = defaultBudgets.breaker.openForMs;

describe('with the primary region blackholed', () => {
  const emulators = inject('emulators');
  let primary: ProxiedRegion;
  let env: TestEnvironment;
  let queueHost: QueueHost;
  let admin: string;
  let operator: string;
  const clock = new TestClock(Date.parse('2026-03-02T00:00:00Z'));
  /** The breakers' clock: stands still unless a test moves it past an open circuit's window. */
  const breakerClock = new TestClock(Date.now());
  /** Lets every open circuit's window lapse: the next call to the region probes it. */
  const circuitTimeIsUp = () => void (breakerClock.time += openForMs);
  /** Bytes sent into the dark region: a call that reached it, rather than failing fast. */
  const swallowedBytes = () =>
    primary.blob.swallowedBytes() + primary.queue.swallowedBytes() + primary.table.swallowedBytes();
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const tenantId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const container = `bh-${randomBytes(6).toString('hex')}`;
  const cycleDevices = ['rp-1', 'rp-2'];
  /** Answer times per route class, printed at the end for the record. */
  const timings: { route: string; status: number; ms: number }[] = [];
  /** 503s answered to `PUT .../devices/new-1`: each must be in the audit trail exactly once. */
  let refusedNew1 = 0;
  const putNew1 = async (route?: string) => {
    const init = { method: 'PUT', token: admin, json: device('new-1') };
    const response = route
      ? await timedCall(route, api('/devices/new-1'), init)
      : await call(api('/devices/new-1'), init);
    if (response.status === 503) refusedNew1 += 1;
    return response;
  };

  const device = (id: string, priorityTier = 2) => ({
    upn: `${id}@contoso.test`,
    primaryRegion: 'westeurope',
    disk: { container, blob: `${id}.vhd` },
    policyId: 'hourly',
    priorityTier,
  });

  /** Calls a route, records how long it took, and checks the bound. */
  async function timedCall(
    route: string,
    url: string,
    init: Parameters<typeof call>[1] = {},
  ): Promise<TestResponse> {
    const { ms, value } = await timed(() => call(url, init));
    timings.push({ route, status: value.status, ms });
    expect(ms, `${route} answered ${value.status} after ${ms} ms`).toBeLessThan(generousBound);
    return value;
  }

  function expectUnavailable(response: TestResponse, dependency = 'storage:westeurope'): void {
    expect(response.status, response.text).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'dependency-unavailable', dependency });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  async function pointsOf(id: string) {
    return await installedStores().points.list('northeurope', tenantId, id);
  }

  /** Runs the timer's use case at `time` and waits until every device recorded that slot. */
  async function cycle(time: number, ids: readonly string[]): Promise<void> {
    clock.time = time;
    await services().scheduler.run(clock.now());
    await eventually(
      async () => {
        const devices = await Promise.all(ids.map((id) => installedStores().devices.get(tenantId, id)));
        return devices.filter(
          (d) => d?.lastVerifiedAt && Date.parse(d.lastVerifiedAt) > time - hour && !d.pending,
        ).length;
      },
      (recorded) => recorded === ids.length,
    ).catch((err: unknown) => {
      throw new Error(`Not recorded; events: ${JSON.stringify(events.slice(-6))}`, { cause: err });
    });
  }

  const overrides: ServiceOverrides = {
    clock,
    events: eventLog,
    worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 2 },
    // Workers' calls get 3 s instead of 20 s so a slot gives up in seconds; requests keep
    // production's budgets, which are what this file measures.
    budgets: { worker: { read: 3_000, write: 3_000, copy: 3_000 } },
    breakerClock,
  };

  /** Rebuilds the services with the primary's storage through its proxies, or directly. */
  function routePrimary(through: 'proxy' | 'direct', controlPlaneRegion = 'northeurope'): void {
    process.env.REGION_STORAGE = regionStorageWith(emulators, through === 'proxy' ? [primary] : []);
    process.env.CONTROL_PLANE_REGION = controlPlaneRegion;
    resetConfig();
    installServices(overrides);
  }

  beforeAll(async () => {
    primary = await proxiedRegion(emulators, 'westeurope');
    // The surviving region's control plane: its own storage (audit trail, task hub) answers.
    env = await startTestEnvironment({ CONTROL_PLANE_REGION: 'northeurope' });
    installServices(overrides);
    queueHost = await startQueueHost({
      connection: services().config.workQueue.connection,
      functions: registeredFunctions().filter(
        (f): f is QueueFunction => f.kind === 'queue' && f.name === 'takeRestorePoint',
      ),
      // A lock well above a worker call's budget: no call outlives the lock it runs under.
      options: { visibilityTimeoutInMs: 10_000, minPollIntervalInMs: 20, maxPollIntervalInMs: 100 },
    });
    admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    await provisionTenant(env, tenantId, { licences: 10, diskScopes: [diskScope(container)] });
    const policy = await call(api('/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 },
    });
    expect(policy.status, policy.text).toBeLessThan(300);
    // Disks are made directly in the primary's account: the test's own hands are not blackholed.
    const disks = BlobServiceClient.fromConnectionString(primary.directConnectionString);
    for (const id of [...cycleDevices, 'existing', 'manual', 'new-1', 'imp-1', 'imp-2']) {
      await createDisk(disks, container, `${id}.vhd`);
    }
    for (const id of [...cycleDevices, 'existing', 'manual']) {
      const registered = await call(api(`/devices/${id}`), { method: 'PUT', token: admin, json: device(id) });
      expect(registered.status, registered.text).toBe(201);
    }
    await cycle(clock.time + hour, cycleDevices);
    routePrimary('proxy');
  });

  afterAll(async () => {
    await queueHost?.stop();
    await env?.close();
    await primary?.close();
    console.log(
      `Answer times with the primary blackholed (bound ${bound} ms):\n` +
        timings.map((t) => `  ${t.route.padEnd(48)} ${t.status}  ${t.ms} ms`).join('\n'),
    );
  });

  it('answers every route class within its bound, 503 naming storage:westeurope where it needs the primary, and changes nothing behind a 503', async () => {
    primary.setMode('blackhole');
    const before = await stateSnapshot();

    // The audit trail merges both regions' tables: with one dark it answers 503, not a partial trail.
    expectUnavailable(await timedCall('GET audit', api('/audit'), { token: admin }));
    expectUnavailable(await timedCall('GET audit (csv)', api('/audit?format=csv'), { token: admin }));
    expectUnavailable(
      await timedCall('GET platform security-log', `${env.baseUrl}/platform/security-log`, {
        token: await platformToken(env),
      }),
    );
    // Registering or changing a device checks its disk in the primary before writing anything.
    expectUnavailable(await putNew1('PUT device (new)'));
    expectUnavailable(
      await timedCall('PUT device (change)', api('/devices/existing'), {
        method: 'PUT',
        token: admin,
        json: device('existing', 5),
      }),
    );
    const imported = await timedCall('POST device-imports', api('/device-imports'), {
      method: 'POST',
      token: admin,
      json: {
        devices: [
          { id: 'imp-1', ...device('imp-1') },
          { id: 'imp-2', ...device('imp-2') },
        ],
      },
    });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.results).toEqual([
      expect.objectContaining({ id: 'imp-1', outcome: 'failed' }),
      expect.objectContaining({ id: 'imp-2', outcome: 'failed' }),
    ]);
    expect(imported.body.results[0].errors[0].field).toBe('body.devices.0.primaryRegion');

    expect(await stateSnapshot()).toEqual(before);

    // Every call that fell into the blackhole was aborted by its deadline: its socket is closed,
    // not left waiting to deliver the request when the region comes back.
    expect(primary.blob.swallowedBytes() + primary.table.swallowedBytes()).toBeGreaterThan(0);
    await expect.poll(() => primary.brokenConnections(), { timeout: 5_000 }).toBe(0);

    // The routes that do not need the primary answer as usual, and fast.
    for (const [route, path] of [
      ['GET tenant', ''],
      ['GET devices', '/devices'],
      ['GET device', '/devices/rp-1'],
      ['GET compliance', '/compliance'],
      ['GET restore-points (backup region)', '/devices/rp-1/restore-points'],
    ] as const) {
      const response = await timedCall(route, api(path), { token: admin });
      expect(response.status, `${route}: ${response.text}`).toBe(200);
    }
    expect((await call(api('/devices/rp-1/restore-points'), { token: admin })).body.items).toHaveLength(1);
    const tenant = await timedCall('PUT tenant', api(''), {
      method: 'PUT',
      token: admin,
      json: { name: 'Contoso (outage)', allowedBackupRegions: ['northeurope'] },
    });
    expect(tenant.status, tenant.text).toBe(200);
    const policy = await timedCall('PUT policy', api('/policies/daily'), {
      method: 'PUT',
      token: admin,
      json: { name: 'Daily', backupRegion: 'northeurope', rpoHours: 24 },
    });
    expect(policy.status, policy.text).toBe(201);
    const manual = await timedCall('POST restore-points (manual)', api('/devices/manual/restore-points'), {
      method: 'POST',
      token: operator,
    });
    expect(manual.status, manual.text).toBe(202);

    const health = await timedCall('GET health', `${env.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.dependencies).toContainEqual({ name: 'storage:westeurope', healthy: false });
    expect(health.body.dependencies).toContainEqual({ name: 'storage:northeurope', healthy: true });
  });

  it("fails fast while the region's circuit is open, well under a call's budget", async () => {
    const before = await stateSnapshot();
    const routes = [
      ['PUT device', (route: string) => putNew1(route)],
      ['GET audit', (route: string) => timedCall(route, api('/audit'), { token: admin })],
    ] as const;
    for (const [route, send] of routes) {
      // The circuit's time is up: one call probes the region, waits its budget in the blackhole,
      // and its failure opens the circuit again. The probe is this call's, or a worker's that came
      // first (a restore point's message back after a failed delivery), while this one is refused at once.
      circuitTimeIsUp();
      const beforeProbe = swallowedBytes();
      expectUnavailable(await send(`${route} (probe, or refused while one is out)`));
      await expect
        .poll(() => [...services().dependencyGuards.openDependencies()], { timeout: generousBound })
        .toContain('storage:westeurope');
      const afterProbe = swallowedBytes();
      expect(afterProbe).toBeGreaterThan(beforeProbe);
      // Open, and open it stays however long that took: the next call fails at once, unsent.
      expectUnavailable(await send(`${route} (circuit open)`));
      expect(timings.at(-1)!.ms).toBeLessThan(fastFail);
      expect(swallowedBytes()).toBe(afterProbe);
    }
    expect(await stateSnapshot()).toEqual(before);
  });

  it("marks the primary's devices at risk on schedule instead of hanging its workers", async () => {
    // One RPO and more since the last verified point: the timer's run announces the devices at risk
    // and sends their next slot, on time, whatever the dark region does to the workers.
    const slot = clock.time + hour;
    events.length = 0;
    clock.time = slot;
    // The circuit's time is up: the first worker call goes into the dark region and is ended by
    // its worker budget; the rest fail at once behind the circuit it opens again.
    circuitTimeIsUp();
    const beforeSlot = swallowedBytes();
    const run = await timed(() => services().scheduler.run(clock.now()));
    expect(run.value.dispatched).toBeGreaterThanOrEqual(cycleDevices.length);
    expect(run.ms).toBeLessThan(generousBound);
    expect(events.filter((e) => e.event === 'rpo.at-risk').map((e) => e.properties['deviceId'])).toEqual(
      expect.arrayContaining(cycleDevices),
    );
    const atRisk = await timedCall('GET compliance?status=at-risk', api('/compliance?status=at-risk'), {
      token: admin,
    });
    expect(atRisk.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(
      expect.arrayContaining(cycleDevices),
    );
    // Each slot is tried and given up in seconds: no worker waits on the dark region, and none
    // keeps a lease on the device.
    const failed = () =>
      events
        .filter(
          (e) =>
            e.event === 'restore-point.failed' && cycleDevices.includes(String(e.properties['deviceId'])),
        )
        .map((e) => e.properties['deviceId']);
    await expect.poll(() => failed().sort(), { timeout: 30_000, interval: 100 }).toEqual(cycleDevices);
    expect(swallowedBytes()).toBeGreaterThan(beforeSlot);
    // The worker call that went into the dark region is ended by its budget, and the circuit is
    // open again behind it: nothing is left waiting on the region.
    await expect
      .poll(() => [...services().dependencyGuards.openDependencies()], { timeout: generousBound })
      .toContain('storage:westeurope');
    for (const id of cycleDevices) {
      expect((await installedStores().devices.get(tenantId, id))?.pending).toBeUndefined();
    }
  });

  it('resumes when the blackhole lifts, with nothing lost or doubled', async () => {
    const pointsBefore = await Promise.all(cycleDevices.map(pointsOf));
    primary.setMode('pass');
    // The region answers again, but its circuit is open: calls still fail at once...
    expectUnavailable(await putNew1());
    // ...until its time is up: then one call probes the region (this one, or a worker's that came
    // first), and its answer closes the circuit.
    circuitTimeIsUp();
    let created: TestResponse | undefined;
    await expect
      .poll(async () => (created = await putNew1()).status, { timeout: generousBound, interval: 200 })
      .toBe(201);
    expect(created!.body).toMatchObject({ id: 'new-1', primaryRegion: 'westeurope' });
    expect(services().dependencyGuards.openDependencies()).not.toContain('storage:westeurope');
    const again = await call(api('/devices/new-1'), { method: 'PUT', token: admin, json: device('new-1') });
    expect(again.status).toBe(200);
    const listed = (await call(api('/devices?pageSize=1000'), { token: admin })).body.items.map(
      (d: { id: string }) => d.id,
    );
    expect(listed.filter((id: string) => id === 'new-1')).toHaveLength(1);
    expect(listed).not.toContain('imp-1');

    // Health is served from a report at most 5 s old on the services' clock, which this test drives.
    await expect
      .poll(
        async () => {
          clock.time += 6_000;
          return (await call(`${env.baseUrl}/health`)).body.status;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe('healthy');

    // The audit trail is whole again, with each refused registration recorded exactly once.
    let audit: TestResponse | undefined;
    await expect
      .poll(
        async () =>
          (audit = await call(api('/audit?action=putDevice&pageSize=1000'), { token: admin })).status,
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(200);
    const records = audit!.body.records.filter((r: { target: string }) =>
      r.target.endsWith('/devices/new-1'),
    );
    expect(records.filter((r: { status: number }) => r.status === 503)).toHaveLength(refusedNew1);
    expect(records.filter((r: { status: number }) => r.status === 201)).toHaveLength(1);

    // The next slot takes exactly one verified point per device (copies need the direct route).
    routePrimary('direct');
    await cycle(clock.time + hour, cycleDevices);
    const pointsAfter = await Promise.all(cycleDevices.map(pointsOf));
    for (const [i, id] of cycleDevices.entries()) {
      expect(pointsAfter[i]!.length, id).toBe(pointsBefore[i]!.length + 1);
      expect((await call(api(`/devices/${id}`), { token: admin })).body.status).toBe('protected');
    }
  });

  it("answers within the bound on the dark region's own control plane too, its audit record going to the log", async () => {
    // The plane of the failed region itself (its audit table is in the dark account): Front Door
    // takes it out of rotation on its health, but what reaches it meanwhile still gets an answer.
    primary.setMode('blackhole');
    routePrimary('proxy', 'westeurope');
    try {
      events.length = 0;
      const health = await timedCall('GET health (own region dark)', `${env.baseUrl}/health`);
      expect(health.status).toBe(503);
      expect(health.body.dependencies).toContainEqual({ name: 'storage:westeurope', healthy: false });
      const tenant = await timedCall('PUT tenant (own region dark)', api(''), {
        method: 'PUT',
        token: admin,
        json: { name: 'Contoso (outage)', allowedBackupRegions: ['northeurope'] },
      });
      // What it answers is what happened: the change is made; only its record could not be written.
      expect(tenant.status, tenant.text).toBe(200);
      expect(events.filter((e) => e.event === 'audit.write-failed')).toEqual([
        expect.objectContaining({
          properties: expect.objectContaining({ action: 'putTenant', region: 'westeurope' }),
        }),
      ]);
    } finally {
      primary.setMode('pass');
      routePrimary('proxy');
    }
  });
});

describe('an activation of the blackholed region', () => {
  const emulators = inject('emulators');
  let primary: ProxiedRegion;
  let env: TestEnvironment;
  let runtime: RecoveryRuntime;
  let operator: string;
  let reader: string;
  const tenantId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const container = `bha-${randomBytes(6).toString('hex')}`;
  /** Devices in every state an activation ends with. */
  const devices = {
    /** Verified restore points in the backup region: recovered. */
    protected: ['p-1', 'p-2', 'p-3', 'p-4'],
    /** Verified once, its points gone from the backup region since: failed, with why. */
    lost: 'lost',
    /** Registered after the last slot, no verified point yet: skipped. */
    fresh: 'fresh',
    /** Past the tenant's licences: stored, and skipped. */
    over: 'over',
  };
  const licensed = [...devices.protected, devices.lost, devices.fresh];
  const registeredAt = Date.parse('2026-05-04T08:00:00Z');
  const clock = new RunningClock(registeredAt);
  // Production's budgets and breaker: this compares what an activation does with each outage.
  const overrides: ServiceOverrides = {
    clock,
    worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 2 },
    recovery: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100 },
  };
  /** How long each activation took from its request to `completed`, printed at the end. */
  const durations: Partial<Record<'refuse' | 'blackhole', number>> = {};
  /** Bytes the blackholed activation sent into the dark region: a call that waited on it. */
  let sentIntoBlackhole = 0;
  const swallowedBytes = () =>
    primary.blob.swallowedBytes() + primary.queue.swallowedBytes() + primary.table.swallowedBytes();

  function install(regionStorage: string): void {
    process.env.REGION_STORAGE = regionStorage;
    resetConfig();
    installServices(overrides);
  }

  async function register(id: string): Promise<void> {
    const response = await call(api(`/devices/${id}`), {
      method: 'PUT',
      token: operator,
      json: {
        upn: `${id}@contoso.test`,
        primaryRegion: 'westeurope',
        disk: { container, blob: `${id}.vhd` },
        policyId: 'hourly',
        priorityTier: 1,
      },
    });
    expect(response.status, response.text).toBe(201);
  }

  async function until(id: string, state: string): Promise<any> {
    return await eventually(
      async () => (await call(api(`/activations/${id}`), { token: reader })).body,
      (report) => report?.state === state,
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  }

  /** Each device's task as the activation left it. */
  async function outcomes(id: string): Promise<Record<string, unknown>> {
    const rows: Record<string, unknown> = {};
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ pageSize: '100', ...(token ? { continuationToken: token } : {}) });
      const page = await call(api(`/activations/${id}/devices?${query.toString()}`), { token: reader });
      expect(page.status, page.text).toBe(200);
      for (const row of page.body.items) {
        rows[row.deviceId] = { state: row.state, skipReason: row.skipReason, reason: row.reason };
      }
      token = page.body.continuationToken;
    } while (token);
    return rows;
  }

  /** Activates the region with its storage in `mode`, waits for `completed`, then deactivates it. */
  async function activateWith(mode: 'refuse' | 'blackhole') {
    primary.setMode(mode);
    const swallowedBefore = swallowedBytes();
    try {
      const { ms, value: done } = await timed(async () => {
        const response = await call(api('/activations'), {
          method: 'POST',
          token: operator,
          json: { scope: { kind: 'region', region: 'westeurope' } },
          headers: { 'idempotency-key': randomUUID() },
        });
        expect(response.status, response.text).toBe(202);
        return await until(response.body.id, 'completed');
      });
      durations[mode] = ms;
      if (mode === 'blackhole') sentIntoBlackhole = swallowedBytes() - swallowedBefore;
      const result = { counts: done.counts, devices: await outcomes(done.id) };
      // Released, so the next activation finds every device free again.
      const deactivated = await call(api(`/activations/${done.id}/deactivate`), {
        method: 'POST',
        token: operator,
      });
      expect(deactivated.status, deactivated.text).toBe(202);
      await until(done.id, 'deactivated');
      return result;
    } finally {
      primary.setMode('pass');
    }
  }

  beforeAll(async () => {
    primary = await proxiedRegion(emulators, 'westeurope');
    env = await startTestEnvironment({
      CONTROL_PLANE_REGION: 'northeurope',
      ACTIVATION_POLL_SECONDS: '1',
      ACTIVATION_LEASE_SECONDS: '30',
    });
    // Restore points are taken with the primary reached directly (copies need it, see above).
    install(regionStorageWith(emulators, []));
    runtime = await startRecoveryRuntime();
    operator = await env.token(tenantId, ['DR.Admin']);
    reader = await env.token(tenantId, ['DR.Reader']);
    await provisionTenant(env, tenantId, { licences: licensed.length, diskScopes: [diskScope(container)] });
    const policy = await call(api('/policies/hourly'), {
      method: 'PUT',
      token: operator,
      json: { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 },
    });
    expect(policy.status, policy.text).toBeLessThan(300);
    const disks = BlobServiceClient.fromConnectionString(primary.directConnectionString);
    for (const id of [...licensed, devices.over]) await createDisk(disks, container, `${id}.vhd`);
    const slotted = [...devices.protected, devices.lost];
    for (const id of slotted) await register(id);
    clock.set(registeredAt + 2 * hour);
    await services().scheduler.run(clock.now());
    await eventually(
      async () =>
        (await Promise.all(slotted.map((id) => installedStores().devices.get(tenantId, id)))).filter(
          (d) => d?.lastVerifiedAt && !d.pending,
        ).length,
      (verified) => verified === slotted.length,
    );
    await register(devices.fresh);
    await register(devices.over);
    const { points } = installedStores();
    for (const point of await points.list('northeurope', tenantId, devices.lost)) {
      await points.remove('northeurope', point.name);
    }
    // From here on the primary's storage is reached through its proxies only.
    install(regionStorageWith(emulators, [primary]));
  }, 180_000);

  afterAll(async () => {
    await runtime?.stop();
    await env?.close();
    await primary?.close();
    console.log(
      `Activation of the failed region, request to completed: refusing ${durations.refuse} ms, ` +
        `blackholed ${durations.blackhole} ms (${sentIntoBlackhole} bytes sent into the blackhole)`,
    );
  });

  it('completes with the same counts, device by device, as with the region refusing connections', async () => {
    const refused = await activateWith('refuse');
    expect(refused.counts).toMatchObject({
      recovered: devices.protected.length,
      failed: 1,
      skipped: 2,
    });
    expect(refused.devices).toMatchObject({
      [devices.lost]: { state: 'failed' },
      [devices.fresh]: { state: 'skipped', skipReason: 'no-verified-restore-point' },
      [devices.over]: { state: 'skipped', skipReason: 'unlicensed' },
    });

    const blackholed = await activateWith('blackhole');
    expect(blackholed.counts).toEqual(refused.counts);
    expect(blackholed.devices).toEqual(refused.devices);
  }, 240_000);
});
