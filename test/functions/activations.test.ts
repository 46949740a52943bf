/**
 * Activation and deactivation end to end on the embedded runtime: the HTTP routes, the drivers run
 * by the orchestration driver through the SDK's executor, the recovery worker behind the queue
 * host, restore points and temporary devices in real Azurite storage, state in the Cosmos emulator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import { resetConfig } from '../../src/config';
import type { SimulatedComputeProvider } from '../../src/adapters/compute/SimulatedComputeProvider';
import { InvocationContext } from '@azure/functions';
import { temporaryDeviceName } from '../../src/domain/recoveryTask';
import { createQueueServiceClient } from '../../src/adapters/storage-queue/createQueueServiceClient';
import { peekDeadLetters } from '../../src/adapters/storage-queue/peekDeadLetters';
import { recoveryMaxDeliveries } from '../../src/functions/recovery';
import { QueueNames } from '../../src/queueNames';
import { registeredFunctions, type QueueFunction } from '../../src/functions/registry';
import type { EventLog } from '../../src/ports/EventLog';
import { createDisk, regionBlobService } from '../support/disks';
import { eventually } from '../support/eventually';
import { diskScope, provisionTenant } from '../support/tenants';
import { call, type TestResponse } from '../support/http';
import { startRecoveryRuntime, type RecoveryRuntime } from '../support/recoveryRuntime';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const hour = 3_600_000;

/** Set to a time, then running from it at wall-clock pace: recovery times must differ to show order. */
class TestClock {
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

describe('activation and deactivation', () => {
  let env: TestEnvironment;
  let runtime: RecoveryRuntime;
  let admin: string;
  let operator: string;
  let reader: string;
  const registeredAt = Date.parse('2026-05-04T08:00:00Z');
  const clock = new TestClock(registeredAt);
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
  const tenantId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  /** This file's own disks: other files running at the same time use the same device ids. */
  const diskContainer = `act-${randomBytes(6).toString('hex')}`;
  /** Twelve protected devices over three tiers, d01–d12; tier = 1 + (n mod 3). */
  const protectedIds = Array.from({ length: 12 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
  const tierOf = (id: string) => 1 + (Number(id.slice(1)) % 3);
  const disks = new Map<string, Buffer>();

  async function put(path: string, json: unknown): Promise<void> {
    const response = await call(api(path), { method: 'PUT', token: admin, json });
    expect(response.status, response.text).toBeLessThan(300);
  }

  async function registerDevice(id: string, tier: number): Promise<void> {
    disks.set(
      id,
      await createDisk(regionBlobService(env.settings, 'westeurope'), diskContainer, `${id}.vhd`),
    );
    await put(`/devices/${id}`, {
      upn: `${id}@contoso.test`,
      primaryRegion: 'westeurope',
      disk: { container: diskContainer, blob: `${id}.vhd` },
      policyId: 'hourly',
      priorityTier: tier,
    });
  }

  /** `key: null` sends no Idempotency-Key. */
  async function activate(
    body: unknown,
    key: string | null = randomUUID(),
    token = operator,
  ): Promise<TestResponse> {
    return await call(api('/activations'), {
      method: 'POST',
      token,
      json: body,
      headers: key === null ? {} : { 'idempotency-key': key },
    });
  }

  async function until(id: string, state: string, timeoutMs = 60_000): Promise<any> {
    return await eventually(
      async () => (await call(api(`/activations/${id}`), { token: reader })).body,
      (report) => report?.state === state,
      { timeoutMs, intervalMs: 200 },
    );
  }

  async function rows(id: string, query = ''): Promise<any[]> {
    const all: any[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams(query);
      q.set('pageSize', '5');
      if (token) q.set('continuationToken', token);
      const page = await call(api(`/activations/${id}/devices?${q.toString()}`), { token: reader });
      expect(page.status, page.text).toBe(200);
      all.push(...page.body.items);
      token = page.body.continuationToken;
    } while (token);
    return all;
  }

  const compute = () => installedStores().compute as SimulatedComputeProvider;

  /** The tenant's audit records whose target contains `targetPart`, newest first. */
  async function auditTrail(targetPart: string, action?: string): Promise<any[]> {
    const query = action ? `?action=${action}&pageSize=1000` : '?pageSize=1000';
    const response = await call(api(`/audit${query}`), { token: reader });
    expect(response.status, response.text).toBe(200);
    return response.body.records.filter((r: any) => r.target.includes(targetPart));
  }

  /** (Re)builds the services from the settings in the environment, with the test's timings. */
  function install(): void {
    resetConfig();
    installServices({
      clock,
      events: eventLog,
      worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 3 },
      recovery: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100 },
      // Pages of four: planning, dispatch and release each take several pages.
      activationPageSize: 4,
      storageRetry: { maxTries: 1, retryDelayInMs: 10 },
    });
  }

  /** Runs `body` with some settings changed (the services rebuilt), then puts them back. */
  async function withSettings(changed: Record<string, string>, body: () => Promise<void>): Promise<void> {
    const before = Object.fromEntries(Object.keys(changed).map((k) => [k, process.env[k]]));
    Object.assign(process.env, changed);
    install();
    try {
      await body();
    } finally {
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      install();
    }
  }

  beforeAll(async () => {
    env = await startTestEnvironment({ ACTIVATION_POLL_SECONDS: '1', ACTIVATION_LEASE_SECONDS: '30' });
    install();
    runtime = await startRecoveryRuntime();
    admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    reader = await env.token(tenantId, ['DR.Reader']);
    // Licences for the twelve and one more: `late` takes the last, `over` is stored unlicensed.
    await provisionTenant(env, tenantId, { licences: 13, diskScopes: [diskScope(diskContainer)] });
    await put('/policies/hourly', { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 });
    for (const id of protectedIds) await registerDevice(id, tierOf(id));
    clock.set(registeredAt + 2 * hour);
    await services().scheduler.run(clock.now());
    await eventually(
      async () => {
        const devices = await Promise.all(
          protectedIds.map((id) => installedStores().devices.get(tenantId, id)),
        );
        return devices.filter((d) => d?.lastVerifiedAt).length;
      },
      (count) => count === protectedIds.length,
    );
    await registerDevice('late', 1);
    await registerDevice('over', 1);
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await env?.close();
  });

  describe('refusals', () => {
    it('refuses a request without an Idempotency-Key, naming the header, and creates nothing', async () => {
      const response = await activate({ scope: { kind: 'region', region: 'westeurope' } }, null);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'headers.Idempotency-Key' })]);
      const list = await call(api('/activations'), { token: reader });
      expect(list.body.items).toEqual([]);
    });

    it('refuses an unknown region, a repeated device, a bad tier and a DR.Reader', async () => {
      const unknown = await activate({ scope: { kind: 'region', region: 'mars-north' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors[0].field).toBe('body.scope.region');
      const repeated = await activate({ scope: { kind: 'devices', deviceIds: ['d01', 'd01'] } });
      expect(repeated.status).toBe(400);
      expect(repeated.body.errors[0].field).toBe('body.scope.deviceIds');
      const tier = await activate({ scope: { kind: 'tiers', tiers: [11] } });
      expect(tier.status).toBe(400);
      expect(tier.body.errors[0].field).toMatch(/^body\.scope\.tiers/);
      const forbidden = await activate({ scope: { kind: 'region', region: 'westeurope' } }, 'k', reader);
      expect(forbidden.status).toBe(403);
      expect((await call(api('/activations'), { token: reader })).body.items).toEqual([]);
    });

    it('refuses a device filter that is not a whole number in range, naming it', async () => {
      const someId = `act-${'0'.repeat(24)}`;
      for (const [query, field] of [
        ['wave=', 'query.wave'],
        ['wave=0x1', 'query.wave'],
        ['wave=11', 'query.wave'],
        ['pageSize=1e2', 'query.pageSize'],
      ]) {
        const response = await call(api(`/activations/${someId}/devices?${query}`), { token: reader });
        expect(response.status, query).toBe(400);
        expect(response.body.errors[0].field, query).toBe(field);
      }
    });
  });

  describe('a region activated with a first list, then deactivated', () => {
    const key = `outage-${randomUUID()}`;
    const body = { scope: { kind: 'region', region: 'westeurope' }, recoverFirst: ['d09', 'd04'] };
    let id: string;
    let requestCorrelationId: string;
    let report: any;

    beforeAll(async () => {
      const response = await activate(body, key);
      expect(response.status, response.text).toBe(202);
      id = response.body.id;
      requestCorrelationId = response.headers.get('x-correlation-id')!;
      expect(response.headers.get('location')).toBe(`/api/tenants/${tenantId}/activations/${id}`);
      report = await until(id, 'completed');
    }, 90_000);

    it('shows the activation only to its own tenant: another tenant, an unknown id or tenant get 404', async () => {
      const otherTenant = randomUUID();
      await provisionTenant(env, otherTenant, { name: 'Fabrikam', licences: 1 });
      const otherReader = await env.token(otherTenant, ['DR.Reader']);
      const elsewhere = await call(`${env.baseUrl}/tenants/${otherTenant}/activations/${id}`, {
        token: otherReader,
      });
      expect(elsewhere.status, elsewhere.text).toBe(404);
      expect(elsewhere.text).not.toContain('recovered');
      const unknown = await call(api(`/activations/act-${'0'.repeat(24)}`), { token: reader });
      expect(unknown.status).toBe(404);
      expect(unknown.body.detail).toContain('Activation');
      const noTenant = randomUUID();
      const noTenantReader = await env.token(noTenant, ['DR.Reader']);
      const missing = await call(`${env.baseUrl}/tenants/${noTenant}/activations/${id}`, {
        token: noTenantReader,
      });
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toContain('Tenant');
    });

    it('answers a repeated request with the same activation, and refuses the key with another request', async () => {
      const again = await activate(body, key);
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(id);
      const other = await activate({ scope: { kind: 'region', region: 'westeurope' } }, key);
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('idempotency-key-reused');
    });

    it('recovers every protected device once and reports the others with their reason', async () => {
      expect(report.total).toBe(14);
      expect(report.counts.recovered).toBe(12);
      expect(report.counts.skipped).toBe(2);
      expect(report.percentComplete).toBe(100);
      const last = Math.max(...(await rows(id, 'state=recovered')).map((r) => Date.parse(r.recoveredAt)));
      expect(report.rtoSeconds).toBe(Math.round((last - Date.parse(report.requestedAt)) / 100) / 10);
      expect(report.rtoSeconds).toBeGreaterThan(0);
      const skipped = await rows(id, 'state=skipped');
      expect(Object.fromEntries(skipped.map((r) => [r.deviceId, r.skipReason]))).toEqual({
        late: 'no-verified-restore-point',
        over: 'unlicensed',
      });
    });

    it('leaves its DR events in the audit trail: started, each wave, each device recovered, completed', async () => {
      const trail = await auditTrail(`activations/${id}`);
      const system = { kind: 'system', region: 'westeurope' };
      const of = (action: string) => trail.filter((r) => r.action === action);
      expect(of('activation.started')).toEqual([
        expect.objectContaining({ actor: system, outcome: 'succeeded', correlationId: id }),
      ]);
      expect(of('activation.wave-dispatched').map((r) => r.detail.split(',')[0])).toEqual([
        'wave 3',
        'wave 2',
        'wave 1',
        'wave 0',
      ]);
      expect(
        of('recovery.recovered')
          .map((r) => r.target.split('/').pop())
          .sort(),
      ).toEqual(protectedIds);
      expect(of('activation.completed')).toEqual([
        expect.objectContaining({ detail: 'recovered 12, failed 0, skipped 2', actor: system }),
      ]);
      // The request that started it, by its caller.
      const [request] = (await auditTrail('activations', 'activateRecovery')).filter(
        (r) => r.correlationId === requestCorrelationId,
      );
      expect(request).toMatchObject({ outcome: 'succeeded', status: 202, actor: { kind: 'application' } });
    });

    it('recovers in waves: the first list in its order, then tier by tier', async () => {
      const recovered = await rows(id, 'state=recovered');
      const times = (wave: number) =>
        recovered.filter((r) => r.wave === wave).map((r) => Date.parse(r.recoveredAt));
      expect(
        recovered
          .filter((r) => r.wave === 0)
          .map((r) => r.deviceId)
          .sort(),
      ).toEqual(['d04', 'd09']);
      for (let wave = 0; wave < 3; wave += 1) {
        expect(Math.max(...times(wave))).toBeLessThan(Math.min(...times(wave + 1)));
      }
      expect(report.waveProgress.map((w: any) => [w.label, w.total, w.outcome])).toEqual([
        ['recover-first', 2, 'done'],
        // d03, d06, d12, and `late` and `over`, skipped
        ['tier-1', 5, 'done'],
        ['tier-2', 3, 'done'],
        ['tier-3', 4, 'done'],
      ]);
    });

    it('makes each temporary device once, from the latest verified restore point, with its data', async () => {
      const recovered = await rows(id, 'state=recovered');
      const creations = await compute().creations('northeurope');
      const backup = regionBlobService(env.settings, 'northeurope');
      for (const row of recovered) {
        const name = temporaryDeviceName(id, row.deviceId);
        expect(row.temporaryDevice).toBe(name);
        expect(creations.get(name)).toBe(1);
        const latest = await installedStores().points.latestVerified('northeurope', tenantId, row.deviceId);
        expect(row.restorePoint).toBe(latest!.name);
        expect(row.achievedRpoMinutes).toBeGreaterThanOrEqual(0);
        const data = await backup
          .getContainerClient('temporary-devices')
          .getBlobClient(name)
          .downloadToBuffer();
        expect(data.equals(disks.get(row.deviceId)!)).toBe(true);
      }
    });

    it('tells each user where they are, to themselves and to a reader, and no one else', async () => {
      const self = await env.token(tenantId, [], { upn: 'd01@contoso.test' });
      const status = await call(`${env.baseUrl}/users/d01@contoso.test/dr-status`, { token: self });
      expect(status.status, status.text).toBe(200);
      expect(status.body).toMatchObject({
        status: 'on-temporary-device',
        devices: [
          { deviceId: 'd01', region: 'northeurope', temporaryDevice: temporaryDeviceName(id, 'd01') },
        ],
      });
      const other = await env.token(tenantId, [], { upn: 'd02@contoso.test' });
      expect((await call(`${env.baseUrl}/users/d01@contoso.test/dr-status`, { token: other })).status).toBe(
        403,
      );
      // `late` had no verified point when its region was activated: its user is told so, and why.
      const byReader = await call(`${env.baseUrl}/users/late@contoso.test/dr-status`, { token: reader });
      expect(byReader.body).toMatchObject({
        status: 'not-recovered',
        devices: [{ deviceId: 'late', reason: 'skipped: no-verified-restore-point' }],
      });
      expect(
        (await call(`${env.baseUrl}/users/nobody@contoso.test/dr-status`, { token: reader })).status,
      ).toBe(404);
    });

    it('targets only devices not yet active in a later activation', async () => {
      const later = await activate({ scope: { kind: 'devices', deviceIds: ['d01', 'late'] } });
      expect(later.status).toBe(202);
      const done = await until(later.body.id, 'completed');
      expect(done.counts.recovered).toBe(0);
      const reasons = Object.fromEntries((await rows(later.body.id)).map((r) => [r.deviceId, r.skipReason]));
      expect(reasons).toEqual({ d01: 'already-active', late: 'no-verified-restore-point' });
    });

    it('pauses scheduling of the region while it is active', async () => {
      expect((await installedStores().tenants.get(tenantId))!.regionsInOutage).toEqual(['westeurope']);
    });

    describe('deactivated, while a second activation of the region is not', () => {
      let second: string;
      const deactivate = async (activationId: string) => {
        const response = await call(api(`/activations/${activationId}/deactivate`), {
          method: 'POST',
          token: operator,
        });
        expect(response.status, response.text).toBe(202);
        await until(activationId, 'deactivated');
      };

      beforeAll(async () => {
        // Every device of the region is already active: the second recovers none, yet holds the outage.
        const response = await activate({ scope: { kind: 'region', region: 'westeurope' } });
        expect(response.status, response.text).toBe(202);
        second = response.body.id;
        expect((await until(second, 'completed')).counts.recovered ?? 0).toBe(0);
        await deactivate(id);
      }, 90_000);

      it('keeps the region in outage until the last activation of it is deactivated', async () => {
        expect((await installedStores().tenants.get(tenantId))!.regionsInOutage).toEqual(['westeurope']);
        await deactivate(second);
        expect((await installedStores().tenants.get(tenantId))!.regionsInOutage).toEqual([]);
      });

      it('deletes every temporary device, keeps the restore points, and returns users to normal', async () => {
        const left = [];
        for await (const device of compute().listTemporaryDevices('northeurope')) {
          if (device.tags.activationId === id) left.push(device.name);
        }
        expect(left).toEqual([]);
        for (const deviceId of protectedIds) {
          expect(
            await installedStores().points.latestVerified('northeurope', tenantId, deviceId),
          ).toBeDefined();
          expect((await installedStores().devices.get(tenantId, deviceId))!.recovery).toBeUndefined();
        }
        const released = await rows(id, 'state=released');
        expect(released).toHaveLength(12);
        const self = await env.token(tenantId, [], { upn: 'd01@contoso.test' });
        const status = await call(`${env.baseUrl}/users/d01@contoso.test/dr-status`, { token: self });
        expect(status.body.status).toBe('normal');
        expect((await auditTrail(`activations/${id}`, 'activation.deactivated')).length).toBe(1);
      });

      it('is idempotent', async () => {
        const again = await call(api(`/activations/${id}/deactivate`), { method: 'POST', token: operator });
        expect(again.status).toBe(202);
        expect(again.body.state).toBe('deactivated');
      });
    });
  });

  describe('concurrent requests', () => {
    it('with one key create exactly one activation', async () => {
      const key = `same-${randomUUID()}`;
      const body = { scope: { kind: 'devices', deviceIds: ['d01', 'd02'] } };
      const responses = await Promise.all(Array.from({ length: 20 }, () => activate(body, key)));
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      const id = responses[0]!.body.id as string;
      await until(id, 'completed');
      const list = await call(api('/activations?pageSize=100'), { token: reader });
      expect(list.body.items.filter((a: any) => a.idempotencyKey === key)).toHaveLength(1);
      await call(api(`/activations/${id}/deactivate`), { method: 'POST', token: operator });
      await until(id, 'deactivated');
    }, 90_000);

    it('with different keys over the same devices recover each device exactly once', async () => {
      const ids = ['d03', 'd05', 'd06', 'd07'];
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => activate({ scope: { kind: 'devices', deviceIds: ids } })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
      const activationIds = responses.map((r) => r.body.id as string);
      expect(new Set(activationIds).size).toBe(20);
      const reports = [];
      for (const id of activationIds) reports.push(await until(id, 'completed'));
      expect(reports.reduce((sum, r) => sum + r.counts.recovered, 0)).toBe(ids.length);
      expect(reports.reduce((sum, r) => sum + r.counts.skipped, 0)).toBe(19 * ids.length);
      const creations = await compute().creations('northeurope');
      const made = activationIds.flatMap((a) =>
        ids.map((d) => creations.get(temporaryDeviceName(a, d)) ?? 0),
      );
      expect(made.reduce((a, b) => a + b, 0)).toBe(ids.length);
      for (const id of activationIds) {
        await call(api(`/activations/${id}/deactivate`), { method: 'POST', token: operator });
      }
      for (const id of activationIds) await until(id, 'deactivated');
    }, 120_000);
  });

  describe('cancel', () => {
    it('stops dispatching: every device ends recovered, cancelled or skipped, and nothing is left planned', async () => {
      const response = await activate({ scope: { kind: 'tiers', tiers: [3, 2, 1], region: 'westeurope' } });
      const id = response.body.id as string;
      const cancelled = await call(api(`/activations/${id}/cancel`), { method: 'POST', token: operator });
      expect(cancelled.status).toBe(202);
      expect(cancelled.body.state).toBe('cancelled');
      await expect
        .poll(
          async () => {
            const report = (await call(api(`/activations/${id}`), { token: reader })).body;
            const c = report.counts;
            return c.planned + c.queued + c.provisioning + c['waiting-for-capacity'];
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(0);
      const report = (await call(api(`/activations/${id}`), { token: reader })).body;
      expect(report.state).toBe('cancelled');
      expect(report.counts.recovered + report.counts.cancelled + report.counts.skipped).toBe(report.total);
      const again = await call(api(`/activations/${id}/cancel`), { method: 'POST', token: operator });
      expect(again.body.state).toBe('cancelled');
      await call(api(`/activations/${id}/deactivate`), { method: 'POST', token: operator });
      await until(id, 'deactivated');
    }, 90_000);
  });

  describe('the sweeper', () => {
    it('removes temporary devices whose task says they should not exist, and only those', async () => {
      const response = await activate({ scope: { kind: 'devices', deviceIds: ['d08'] } });
      const id = response.body.id as string;
      await until(id, 'completed');
      const backup = regionBlobService(env.settings, 'northeurope');
      const point = await installedStores().points.latestVerified('northeurope', tenantId, 'd08');
      const sourceUrl = await installedStores().points.readUrl(point!);
      // A provisioning that finished after its task was released, and one for a task that never existed.
      await call(api(`/activations/${id}/deactivate`), { method: 'POST', token: operator });
      await until(id, 'deactivated');
      const orphan = temporaryDeviceName(id, 'd08');
      await compute().ensureTemporaryDevice({
        name: orphan,
        region: 'northeurope',
        image: { kind: 'blobUrl', url: sourceUrl },
        tags: { tenantId, activationId: id, deviceId: 'd08' },
      });
      const keeper = await activate({ scope: { kind: 'devices', deviceIds: ['d10'] } });
      await until(keeper.body.id, 'completed');
      const kept = temporaryDeviceName(keeper.body.id, 'd10');

      const result = await services().sweeper.sweep();
      expect(result.removed).toBeGreaterThanOrEqual(1);
      expect(await compute().getTemporaryDevice('northeurope', orphan)).toBeUndefined();
      expect(await compute().getTemporaryDevice('northeurope', kept)).toBeDefined();
      expect(await backup.getContainerClient('temporary-devices').getBlobClient(kept).exists()).toBe(true);
      await call(api(`/activations/${keeper.body.id}/deactivate`), { method: 'POST', token: operator });
      await until(keeper.body.id, 'deactivated');
    }, 90_000);
  });
  describe('a poison message', () => {
    it('marks its device failed with why on the last delivery, and is still dead-lettered', async () => {
      const response = await activate({ scope: { kind: 'devices', deviceIds: ['d11'] } });
      const id = response.body.id as string;
      await until(id, 'completed');
      // A task that cannot be worked: its device's backup region has no storage here.
      const store = installedStores().activations;
      const registeredAt = new Date().toISOString();
      await installedStores().devices.register(
        {
          id: 'ghost',
          tenantId,
          upn: 'ghost@contoso.test',
          primaryRegion: 'westeurope',
          disk: { kind: 'pageBlob', container: diskContainer, blob: 'ghost.vhd' },
          policyId: 'hourly',
          priorityTier: 1,
          protection: { backupRegion: 'nowhere-north', rpoHours: 1, enabled: false },
          nextDueAt: registeredAt,
          announced: 'not-yet-protected',
          createdAt: registeredAt,
          updatedAt: registeredAt,
        },
        100,
      );
      const task = {
        id: `${id}:ghost`,
        activationId: id,
        tenantId,
        deviceId: 'ghost',
        upn: 'ghost@contoso.test',
        primaryRegion: 'westeurope',
        backupRegion: 'nowhere-north',
        priorityTier: 1,
        wave: 1,
        state: 'queued' as const,
        attempt: 0,
        dispatch: 1,
        updatedAt: new Date().toISOString(),
      };
      await store.addTasks([task]);
      const worker = registeredFunctions().find((f): f is QueueFunction => f.name === 'recoverDevice')!;
      const message = {
        kind: 'recover',
        tenantId,
        activationId: id,
        deviceId: 'ghost',
        dispatch: 1,
        epoch: 1,
        seq: 0,
      };
      const delivery = (deliveryCount: number) =>
        worker.handler(
          message,
          new InvocationContext({ functionName: worker.name, triggerMetadata: { deliveryCount } }),
        );

      await expect(delivery(3)).rejects.toThrow();
      expect((await store.getTask(id, 'ghost'))!.state).toBe('queued');
      await expect(delivery(recoveryMaxDeliveries)).rejects.toThrow();
      const failed = (await rows(id, 'state=failed')).find((r) => r.deviceId === 'ghost');
      expect(failed.reason).toMatch(/^Poison message: failed 10 deliveries; last error: /);
      expect((await call(api(`/activations/${id}`), { token: reader })).body.counts.failed).toBe(1);
      expect(events.some((e) => e.event === 'recovery.poison' && e.properties['deviceId'] === 'ghost')).toBe(
        true,
      );

      // Its release fails every delivery too: released with why, so the deactivation still ends.
      await call(api(`/activations/${id}/deactivate`), { method: 'POST', token: operator });
      await until(id, 'deactivated', 120_000);
      const released = (await rows(id, 'state=released')).find((r) => r.deviceId === 'ghost');
      expect(released.reason).toMatch(/^Poison message: failed 10 deliveries/);
      // The queue host set the release aside, where an operator finds it.
      const queues = createQueueServiceClient(services().config.workQueue.connection);
      const dead = await peekDeadLetters(queues, QueueNames.deviceRecovery);
      expect(dead.map((m) => m.body)).toContainEqual(
        expect.objectContaining({ kind: 'release', deviceId: 'ghost' }),
      );
    }, 180_000);
  });
  describe('faults', () => {
    it('succeeds with the primary region storage unreachable', async () => {
      const storage = JSON.parse(env.settings.REGION_STORAGE!) as Record<string, string>;
      const unreachable = storage['westeurope']!.replace(/:\d+\//g, ':1/');
      await withSettings(
        { REGION_STORAGE: JSON.stringify({ ...storage, westeurope: unreachable }) },
        async () => {
          const health = await services().checkHealth();
          expect(health.dependencies.find((d) => d.name === 'storage:westeurope')?.healthy).toBe(false);
          const response = await activate({ scope: { kind: 'region', region: 'westeurope' } });
          expect(response.status, response.text).toBe(202);
          const done = await until(response.body.id, 'completed');
          expect(done.counts.recovered).toBe(protectedIds.length);
          await call(api(`/activations/${response.body.id}/deactivate`), { method: 'POST', token: operator });
          await until(response.body.id, 'deactivated');
        },
      );
    }, 120_000);

    it('leaves nothing orphaned when deactivated while devices are still provisioning, once the sweeper ran', async () => {
      await withSettings(
        { SIMULATED_COMPUTE: JSON.stringify({ northeurope: { provisioningMs: 1_500 } }) },
        async () => {
          const response = await activate({ scope: { kind: 'devices', deviceIds: protectedIds } });
          const id = response.body.id as string;
          await eventually(
            async () => (await call(api(`/activations/${id}`), { token: reader })).body,
            (r) => r.counts?.provisioning > 0,
            { timeoutMs: 30_000, intervalMs: 50 },
          );
          const deactivated = await call(api(`/activations/${id}/deactivate`), {
            method: 'POST',
            token: operator,
          });
          expect(deactivated.status).toBe(202);
          await until(id, 'deactivated');
          // Provisionings started before the release may still finish: give them time, then sweep.
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          await services().sweeper.sweep();
          const left = [];
          for await (const device of compute().listTemporaryDevices('northeurope')) {
            if (device.tags.activationId === id) left.push(device.name);
          }
          expect(left).toEqual([]);
          for (const deviceId of protectedIds) {
            expect((await installedStores().devices.get(tenantId, deviceId))!.recovery).toBeUndefined();
          }
        },
      );
    }, 120_000);
  });
});
