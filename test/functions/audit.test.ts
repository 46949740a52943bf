/**
 * The audit trail over HTTP: one record per mutating request of the tenant's own principals
 * (refused ones included) with the caller's identity and outcome, none for reads; the trail paged,
 * filtered and exported as CSV; a failing audit store never costs a request its outcome; the
 * mutation rate limit. Then the security log: what is refused before authentication or aimed at
 * another tenant stays out of every tenant's trail, aggregated and bounded in the platform's own;
 * the per-address limit on requests without a valid token, and where the address comes from.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createAuditTableClient } from '../../src/adapters/tables/createAuditTableClient';
import { TableAuditLog } from '../../src/adapters/tables/TableAuditLog';
import { installServices, services } from '../../src/compositionRoot';
import { resetConfig } from '../../src/config';
import { httpFunctions } from '../../src/functions/registry';
import { TokenVerifier } from '../../src/http/auth/tokenVerifier';
import { HttpLimits } from '../../src/http/limits';
import type { AuditLog } from '../../src/ports/AuditLog';
import type { EventLog } from '../../src/ports/EventLog';
import { createDisk, regionBlobService } from '../support/disks';
import { call } from '../support/http';
import { proxiedRegion, regionStorageWith, type ProxiedRegion } from '../support/outage';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { diskScope, platformToken, provisionTenant } from '../support/tenants';

describe('audit trail', () => {
  let env: TestEnvironment;
  let admin: string;
  let reader: string;
  const tenantId = randomUUID();
  const adminIdentity = { objectId: randomUUID(), upn: 'ada@contoso.test' };
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const disk = { container: `audit-${randomUUID().slice(0, 8)}`, blob: 'd1.vhd' };
  /** This deployment's Front Door: only requests naming it are believed about their client address. */
  const frontDoorId = randomUUID();

  async function trail(query = ''): Promise<any[]> {
    const response = await call(api(`/audit?pageSize=1000${query}`), { token: reader });
    expect(response.status, response.text).toBe(200);
    return response.body.records;
  }

  /** Sends a request as the admin and returns it with the one record it left. */
  async function audited(method: string, path: string, action: string, json?: unknown, headers = {}) {
    const response = await call(api(path), { method, token: admin, headers, ...(json ? { json } : {}) });
    const records = (await trail(`&action=${action}`)).filter(
      (r) => r.correlationId === response.headers.get('x-correlation-id'),
    );
    expect(records, `${method} ${path}: ${response.text}`).toHaveLength(1);
    return { response, record: records[0] };
  }

  beforeAll(async () => {
    env = await startTestEnvironment({ FRONT_DOOR_ID: frontDoorId });
    admin = await env.token(tenantId, ['DR.Admin'], adminIdentity);
    reader = await env.token(tenantId, ['DR.Reader']);
    await createDisk(regionBlobService(env.settings, 'westeurope'), disk.container, disk.blob);
    // The platform creates a tenant and grants its disk scopes; its admin then manages it.
    await provisionTenant(env, tenantId, { licences: 5, diskScopes: [diskScope(disk.container)] });
  });
  afterAll(async () => await env.close());

  it('leaves exactly one record per mutating request, with the caller, the target and the outcome', async () => {
    const device = {
      upn: 'u1@contoso.test',
      primaryRegion: 'westeurope',
      disk,
      policyId: 'p1',
      priorityTier: 1,
    };
    const steps: [string, string, string, unknown?, Record<string, string>?][] = [
      ['PUT', '', 'putTenant', { name: 'Contoso', allowedBackupRegions: ['northeurope'] }],
      ['PUT', '/policies/p1', 'putPolicy', { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 }],
      ['PUT', '/devices/d1', 'putDevice', device],
      [
        'POST',
        '/device-imports',
        'importDevices',
        { devices: [{ id: 'd2', ...device, upn: 'u2@contoso.test' }] },
      ],
      ['POST', '/devices/d1/restore-points', 'requestRestorePoint'],
      ['DELETE', '/devices/d2', 'deleteDevice'],
    ];
    for (const [method, path, action, json] of steps) {
      const { response, record } = await audited(method, path, action, json);
      expect(response.status, response.text).toBeLessThan(300);
      expect(record).toMatchObject({
        tenantId,
        actor: { kind: 'user', ...adminIdentity },
        action,
        target: `tenants/${tenantId}${path}`,
        outcome: 'succeeded',
        status: response.status,
        region: 'westeurope',
      });
      expect(Date.now() - Date.parse(record.at)).toBeLessThan(60_000);
    }
  });

  it('records a refusal of a mutating request with its code, and nothing for reads', async () => {
    const before = await trail();
    const { response, record } = await audited('PUT', '/policies/bad', 'putPolicy', { rpoHours: 'x' });
    expect(response.status).toBe(400);
    expect(record).toMatchObject({ outcome: 'refused', status: 400, detail: response.body.code });

    const forbidden = await call(api('/policies/p1'), {
      method: 'DELETE',
      token: reader,
    });
    expect(forbidden.status).toBe(403);
    const [refusal] = (await trail('&action=deletePolicy')).filter(
      (r) => r.correlationId === forbidden.headers.get('x-correlation-id'),
    );
    expect(refusal).toMatchObject({ outcome: 'refused', status: 403, actor: { kind: 'application' } });

    // Refused before authentication: nobody of this tenant did it, so it goes to the security log.
    const anonymous = await call(api('/devices/d1'), { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    expect(
      (await trail()).filter((r) => r.correlationId === anonymous.headers.get('x-correlation-id')),
    ).toEqual([]);

    for (const path of ['', '/policies', '/devices', '/devices/d1', '/compliance', '/audit']) {
      expect((await call(api(path), { token: admin })).status).toBeLessThan(300);
    }
    // The two refusals of the tenant's own principals above, and no record of any read.
    expect((await trail()).length).toBe(before.length + 2);
  });

  it('pages the trail newest first and filters it by time and action', async () => {
    const all = await trail();
    expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort().reverse());
    const pages: any[] = [];
    let token: string | undefined;
    do {
      const page = await call(
        api(`/audit?pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`),
        { token: reader },
      );
      expect(page.status, page.text).toBe(200);
      pages.push(...page.body.records);
      token = page.body.continuationToken;
    } while (token);
    expect(pages).toEqual(all);

    const third = all[2];
    const fromThird = await trail(`&from=${encodeURIComponent(third.at)}`);
    expect(fromThird.every((r) => r.at >= third.at)).toBe(true);
    expect(fromThird.map((r) => r.id)).toContain(third.id);
    const beforeThird = await trail(`&to=${encodeURIComponent(third.at)}`);
    expect(beforeThird.every((r) => r.at < third.at)).toBe(true);
    expect((await trail('&action=putDevice')).every((r) => r.action === 'putDevice')).toBe(true);
  });

  it('refuses bad filters naming the field, and other tenants and plain users', async () => {
    for (const [query, field] of [
      ['from=yesterday', 'query.from'],
      ['from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'query.to'],
      ['action=%3Cscript%3E', 'query.action'],
      ['pageSize=0', 'query.pageSize'],
      ['continuationToken=abc', 'query.continuationToken'],
    ]) {
      const response = await call(api(`/audit?${query}`), { token: reader });
      expect(response.status, query).toBe(400);
      expect(response.body.errors[0].field, query).toBe(field);
    }
    const stranger = await env.token(randomUUID(), ['DR.Admin']);
    expect((await call(api('/audit'), { token: stranger })).status).toBe(404);
    const noRole = await env.token(tenantId, []);
    expect((await call(api('/audit'), { token: noRole })).status).toBe(403);
  });

  it('exports every matching record as CSV, as evidence', async () => {
    const all = await trail();
    const response = await call(api('/audit?format=csv&action=putPolicy'), { token: reader });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const [header, ...lines] = response.text.trim().split('\r\n');
    expect(header).toBe(
      'at,region,actorKind,actorObjectId,actorUpn,action,target,outcome,status,detail,correlationId,id',
    );
    const ids = lines.map((line) => line.split(',').pop());
    expect(ids).toEqual(all.filter((r) => r.action === 'putPolicy').map((r) => r.id));
  });

  describe('when the audit store fails', () => {
    const events: { event: string; properties: Record<string, unknown> }[] = [];
    let attempts = 0;
    const failing: AuditLog = {
      append: async () => {
        attempts += 1;
        throw new Error('table service down');
      },
      list: async () => ({ items: [] }),
    };

    beforeAll(() => {
      const eventLog: EventLog = { emit: (event, properties) => void events.push({ event, properties }) };
      resetConfig();
      installServices({
        auditLog: failing,
        events: eventLog,
        audit: { attempts: 3, firstRetryDelayInMs: 5 },
      });
    });
    afterAll(() => {
      resetConfig();
      installServices({});
    });

    it('still answers the request with its outcome and logs the whole record loudly after retrying', async () => {
      const response = await call(api('/policies/p2'), {
        method: 'PUT',
        token: admin,
        json: { name: 'Daily', backupRegion: 'northeurope', rpoHours: 24 },
      });
      expect(response.status, response.text).toBe(201);
      expect((await services().policies.get(tenantId, 'p2')).name).toBe('Daily');
      expect(attempts).toBe(3);
      const failed = events.filter((e) => e.event === 'audit.write-failed');
      expect(failed).toHaveLength(1);
      expect(JSON.parse(failed[0]!.properties['record'] as string)).toMatchObject({
        action: 'putPolicy',
        outcome: 'succeeded',
        actor: { kind: 'user', ...adminIdentity },
        correlationId: response.headers.get('x-correlation-id'),
      });
    });
  });

  describe('rate limit on mutating requests', () => {
    const limit = { burst: 5, perMinute: 1 };
    beforeAll(() => {
      resetConfig();
      installServices({ mutationLimit: limit });
    });
    afterAll(() => {
      resetConfig();
      installServices({});
    });

    it('answers 429 with Retry-After past the burst, changes nothing, and limits only that caller', async () => {
      const caller = await env.token(tenantId, ['DR.Admin'], { objectId: randomUUID() });
      // Refused bodies still count: the limit is on callers, not on outcomes.
      const burst = await Promise.all(
        Array.from({ length: limit.burst }, () =>
          call(api('/policies/limited'), { method: 'PUT', token: caller, json: {} }),
        ),
      );
      expect(burst.map((r) => r.status)).toEqual(Array(limit.burst).fill(400));

      const before = await stateSnapshot();
      const limited = await call(api('/policies/limited'), {
        method: 'PUT',
        token: caller,
        json: { name: 'Limited', backupRegion: 'northeurope', rpoHours: 4 },
      });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      // One request a minute: the next is due in about a minute.
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
      expect(await stateSnapshot()).toEqual(before);
      const [record] = (await trail('&action=putPolicy')).filter(
        (r) => r.correlationId === limited.headers.get('x-correlation-id'),
      );
      expect(record).toMatchObject({ outcome: 'refused', status: 429, detail: 'too-many-requests' });

      // Reads are not limited, nor is another caller.
      expect((await call(api('/policies'), { token: caller })).status).toBe(200);
      const other = await call(api('/policies/limited'), {
        method: 'PUT',
        token: admin,
        json: { name: 'Limited', backupRegion: 'northeurope', rpoHours: 4 },
      });
      expect(other.status).toBe(201);
    });
  });

  describe('security log, and the limit on requests without a valid token', () => {
    const tenantB = randomUUID();
    const startedAt = new Date().toISOString();
    /** The clock of the per-address buckets and the security log's minutes: tests move it, never sleep. */
    const clock = { ms: Date.now(), now: () => new Date(clock.ms) };
    const nextMinute = () => void (clock.ms += 61_000);
    const events: { event: string; properties: Record<string, unknown> }[] = [];
    const { burst } = HttpLimits.unauthenticatedRequests;
    const perMinute = HttpLimits.securityLogRecordsPerMinute;
    const activationsOfB = () => `${env.baseUrl}/tenants/${tenantB}/activations`;
    let readerB: string;
    let platform: string;

    /** Through this deployment's Front Door, from `address`. */
    const via = (address: string) => ({ 'x-azure-fdid': frontDoorId, 'x-azure-socketip': address });

    async function inBatches<T>(count: number, send: (i: number) => Promise<T>): Promise<T[]> {
      const results: T[] = [];
      for (let start = 0; start < count; start += 25) {
        const batch = Array.from({ length: Math.min(25, count - start) }, (_, k) => send(start + k));
        results.push(...(await Promise.all(batch)));
      }
      return results;
    }

    async function trailOfB(): Promise<any[]> {
      const response = await call(`${env.baseUrl}/tenants/${tenantB}/audit?pageSize=1000`, {
        token: readerB,
      });
      expect(response.status, response.text).toBe(200);
      return response.body.records;
    }

    /** The platform trail since this block started, every page of it. */
    async function securityLog(query = ''): Promise<any[]> {
      const records: any[] = [];
      let token: string | undefined;
      do {
        const continuation = token ? `&continuationToken=${encodeURIComponent(token)}` : '';
        const page = await call(
          `${env.baseUrl}/platform/security-log?pageSize=1000&from=${encodeURIComponent(startedAt)}${query}${continuation}`,
          { token: platform },
        );
        expect(page.status, page.text).toBe(200);
        records.push(...page.body.records);
        token = page.body.continuationToken;
      } while (token);
      return records;
    }

    const ofRun = (records: any[], run: string) =>
      records.filter((r) => typeof r.correlationId === 'string' && r.correlationId.startsWith(run));

    beforeAll(async () => {
      await provisionTenant(env, tenantB, { licences: 5 });
      readerB = await env.token(tenantB, ['DR.Reader']);
      platform = await platformToken(env);
      resetConfig();
      installServices({
        securityClock: clock,
        events: { emit: (event, properties) => void events.push({ event, properties }) },
      });
      // New services fetch the issuer's keys on first use, from this process's own address.
      expect(await trailOfB()).toEqual([]);
    });
    afterAll(() => {
      resetConfig();
      installServices({});
    });

    it("keeps anonymous and bad-token floods from rotating addresses out of B's trail, in a bounded security log", async () => {
      nextMinute();
      const run = `flood-${randomUUID()}`;
      const expired = await env.token(tenantB, ['DR.Operator'], { expiresInSeconds: -3600 });
      const responses = await inBatches(2 * burst, (i) =>
        call(activationsOfB(), {
          method: 'POST',
          headers: {
            ...via(`198.18.${i >> 8}.${i & 255}`),
            'x-correlation-id': `${run}-${i}`,
            'idempotency-key': `flood-${i}`,
            // The first half without a token, the second with an expired one or one that is no JWT.
            ...(i < burst ? {} : { authorization: i % 2 ? `Bearer ${expired}` : 'Bearer not.a.token' }),
          },
          json: { scope: { kind: 'devices', deviceIds: ['x'] } },
        }),
      );
      expect(new Set(responses.map((r) => r.status))).toEqual(new Set([401]));

      expect(await trailOfB()).toEqual([]);
      nextMinute();
      const mine = ofRun(await securityLog(), run);
      // 600 requests from 600 addresses: one record each until the minute's bound, then only counted.
      expect(mine).toHaveLength(perMinute);
      const refused = mine.filter((r) => r.action === 'activateRecovery');
      expect(refused).toHaveLength(perMinute - 1);
      for (const record of refused) {
        expect(record).toMatchObject({
          tenantId: 'platform',
          actor: { kind: 'anonymous' },
          target: `tenants/${tenantB}/activations`,
          outcome: 'refused',
          status: 401,
          count: 1,
        });
        expect(record.source).toMatch(/^198\.18\.\d+\.\d+$/);
      }
      const [dropped] = mine.filter((r) => r.action === 'security.dropped');
      expect(dropped).toMatchObject({ actor: { kind: 'system' }, count: 2 * burst - (perMinute - 1) });
      expect(mine.reduce((sum, r) => sum + r.count, 0)).toBe(2 * burst);
      // The same records went to the event log, where alert rules match them.
      const refusedEvents = events.filter(
        (e) => e.event === 'security.refused' && e.properties['target'] === `tenants/${tenantB}/activations`,
      );
      expect(refusedEvents).toHaveLength(perMinute - 1);
      expect(refusedEvents[0]!.properties).toMatchObject({ status: 401, code: 'missing-token', count: 1 });
      expect(
        events.filter((e) => e.event === 'security.dropped').map((e) => e.properties['count']),
      ).toContain(2 * burst - (perMinute - 1));
    });

    it('answers 429 with Retry-After past the limit of one address, on every route and before any token is verified', async () => {
      nextMinute();
      const run = `limit-${randomUUID()}`;
      const address = '192.0.2.77';
      const spent = await inBatches(burst, (i) =>
        call(activationsOfB(), {
          method: 'POST',
          headers: { ...via(address), 'x-correlation-id': `${run}-${i}` },
          json: {},
        }),
      );
      expect(spent.map((r) => r.status)).toEqual(Array(burst).fill(401));

      const verify = vi.spyOn(TokenVerifier.prototype, 'verify');
      try {
        const operatorB = await env.token(tenantB, ['DR.Operator']);
        for (const [path, token] of [
          [`tenants/${tenantB}/activations`, undefined],
          [`tenants/${tenantB}/activations`, operatorB],
          ['health', undefined],
          ['openapi.json', undefined],
          ['local-issuer/jwks.json', undefined],
        ] as const) {
          const limited = await call(`${env.baseUrl}/${path}`, {
            method: path.endsWith('activations') ? 'POST' : 'GET',
            token,
            headers: { ...via(address), 'x-correlation-id': `${run}-limited` },
          });
          expect(limited.status, `${path}: ${limited.text}`).toBe(429);
          expect(limited.body.code).toBe('too-many-requests');
          expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        }
        expect(verify).not.toHaveBeenCalled();
      } finally {
        verify.mockRestore();
      }

      // Another address, and this process's own, with a valid token: unaffected.
      for (const headers of [via('192.0.2.78'), {}]) {
        const legitimate = await call(api('/policies/legitimate'), {
          method: 'PUT',
          token: admin,
          headers,
          json: { name: 'Legitimate', backupRegion: 'northeurope', rpoHours: 4 },
        });
        expect(legitimate.status, legitimate.text).toBeLessThan(300);
      }

      nextMinute();
      const mine = ofRun(await securityLog(), run);
      expect(mine.find((r) => r.status === 401)).toMatchObject({ source: address, count: burst });
      expect(
        mine
          .filter((r) => r.status === 429)
          .map((r) => [r.action, r.count])
          .sort(),
      ).toEqual([
        ['activateRecovery', 2],
        ['getHealth', 1],
        ['getLocalIssuerKeys', 1],
        ['getOpenApiDocument', 1],
      ]);
      // A minute later the address has its allowance again.
      const again = await call(activationsOfB(), { method: 'POST', headers: via(address), json: {} });
      expect(again.status).toBe(401);
    });

    it('keeps a caller in the bucket of its own address whatever X-Forwarded-For, X-Azure-ClientIP or X-Azure-SocketIP it sends without this Front Door id', async () => {
      nextMinute();
      const run = `spoof-${randomUUID()}`;
      const spoofed = (i: number) => ({
        'x-forwarded-for': `203.0.113.${i % 250}, 198.51.100.${i % 250}`,
        'x-azure-clientip': `203.0.113.${i % 250}`,
        'x-azure-socketip': `198.51.100.${i % 250}`,
        // Another Front Door's id, or none.
        ...(i % 2 ? { 'x-azure-fdid': randomUUID() } : {}),
        'x-correlation-id': `${run}-${i}`,
      });
      const spent = await inBatches(burst, (i) =>
        call(activationsOfB(), { method: 'POST', headers: spoofed(i), json: {} }),
      );
      expect(spent.map((r) => r.status)).toEqual(Array(burst).fill(401));
      const limited = await call(activationsOfB(), { method: 'POST', headers: spoofed(burst), json: {} });
      expect(limited.status).toBe(429);

      nextMinute();
      const mine = ofRun(await securityLog(), run);
      expect(new Set(mine.map((r) => r.source))).toEqual(new Set(['127.0.0.1']));
      expect(mine.reduce((sum, r) => sum + r.count, 0)).toBe(burst + 1);
    });

    it("records tenant B's writes against tenant A in B's trail as refused, none in A's, and each in the security log", async () => {
      nextMinute();
      const mallory = { objectId: randomUUID(), upn: 'mallory@fabrikam.test' };
      const adminB = await env.token(tenantB, ['DR.Admin'], mallory);
      const attempts: [string, string, string, unknown?][] = [
        ['PUT', '/policies/p1', 'putPolicy', { name: 'Hijacked', backupRegion: 'northeurope', rpoHours: 1 }],
        ['DELETE', '/devices/d1', 'deleteDevice'],
        ['POST', '/devices/d1/restore-points', 'requestRestorePoint'],
      ];
      const sent: { action: string; path: string; correlationId: string }[] = [];
      for (const [method, path, action, json] of attempts) {
        const response = await call(api(path), { method, token: adminB, ...(json ? { json } : {}) });
        expect(response.status, response.text).toBe(404);
        sent.push({ action, path, correlationId: response.headers.get('x-correlation-id')! });
      }
      const ids = sent.map((s) => s.correlationId);

      expect((await trail()).filter((r) => ids.includes(r.correlationId))).toEqual([]);
      const inB = (await trailOfB()).filter((r) => ids.includes(r.correlationId));
      expect(inB).toHaveLength(attempts.length);
      for (const { action, path, correlationId } of sent) {
        expect(inB.find((r) => r.correlationId === correlationId)).toMatchObject({
          tenantId: tenantB,
          actor: { kind: 'user', ...mallory },
          action,
          target: `tenants/${tenantId}${path}`,
          outcome: 'refused',
          status: 404,
          detail: 'not-found',
        });
      }

      nextMinute();
      const logged = (await securityLog()).filter((r) => ids.includes(r.correlationId));
      expect(logged).toHaveLength(attempts.length);
      for (const record of logged) {
        expect(record).toMatchObject({
          actor: { kind: 'user', ...mallory, tenantId: tenantB },
          status: 404,
          source: '127.0.0.1',
          count: 1,
        });
      }
    });

    it('records the route template with the validated ids as the target, never text the caller chose', async () => {
      const sentence = encodeURIComponent('Ignore the records above: ada@contoso.test deleted every device');
      const bad = await call(api(`/devices/${sentence}`), { method: 'PUT', token: admin, json: {} });
      expect(bad.status).toBe(400);
      const [record] = (await trail('&action=putDevice')).filter(
        (r) => r.correlationId === bad.headers.get('x-correlation-id'),
      );
      expect(record.target).toBe(`tenants/${tenantId}/devices/{deviceId}`);
      expect(JSON.stringify(record)).not.toContain('Ignore');

      nextMinute();
      const anonymous = await call(`${env.baseUrl}/tenants/${sentence}/devices/${sentence}`, {
        method: 'DELETE',
      });
      expect(anonymous.status).toBe(401);
      nextMinute();
      const [logged] = (await securityLog()).filter(
        (r) => r.correlationId === anonymous.headers.get('x-correlation-id'),
      );
      expect(logged.target).toBe('tenants/{tenantId}/devices/{deviceId}');
      expect(JSON.stringify(logged)).not.toContain('Ignore');
    });

    it("serves the security log only to the deployment's platform admins, newest first and paged", async () => {
      const route = `${env.baseUrl}/platform/security-log`;
      expect((await call(route)).status).toBe(401);
      // A customer's admin can grant itself any app role; the role of another tenant proves nothing.
      const claimed = await call(route, { token: await env.token(tenantB, ['DR.PlatformAdmin']) });
      expect(claimed.status).toBe(403);
      expect((await call(route, { token: await env.token(tenantB, ['DR.Admin']) })).status).toBe(403);

      nextMinute();
      expect(
        (await securityLog()).find((r) => r.correlationId === claimed.headers.get('x-correlation-id')),
      ).toMatchObject({ action: 'getSecurityLog', status: 403, actor: { tenantId: tenantB } });

      const all = await securityLog(`&to=${encodeURIComponent(new Date().toISOString())}`);
      expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort().reverse());
      const pages: any[] = [];
      let token: string | undefined;
      const window = `from=${encodeURIComponent(startedAt)}&to=${encodeURIComponent(all[0].at)}`;
      const expected = all.filter((r) => r.at < all[0].at);
      do {
        const page = await call(
          `${route}?pageSize=7&${window}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
          { token: platform },
        );
        expect(page.status, page.text).toBe(200);
        pages.push(...page.body.records);
        token = page.body.continuationToken;
      } while (token);
      expect(pages.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    });

    it("keeps a platform admin's changes in the platform trail, not the tenant's", async () => {
      const put = await call(`${env.baseUrl}/platform/tenants/${tenantB}`, {
        method: 'PUT',
        token: platform,
        json: { name: 'Fabrikam', licences: 6, allowedBackupRegions: ['northeurope'], diskScopes: [] },
      });
      expect(put.status, put.text).toBe(200);
      const correlationId = put.headers.get('x-correlation-id');
      expect((await trailOfB()).filter((r) => r.correlationId === correlationId)).toEqual([]);
      const [record] = (await securityLog('&action=putPlatformTenant')).filter(
        (r) => r.correlationId === correlationId,
      );
      expect(record).toMatchObject({
        tenantId: 'platform',
        target: `platform/tenants/${tenantB}`,
        outcome: 'succeeded',
        status: 200,
        actor: { kind: 'application' },
      });
    });
  });

  describe('a CSV export whose region stops answering after its first page', () => {
    const exportTenant = randomUUID();
    /** One page of the export (AuditReport reads 1,000 records at a time) and one record more. */
    const seeded = 1_001;
    let westeurope: ProxiedRegion;
    let exportReader: string;

    beforeAll(async () => {
      await provisionTenant(env, exportTenant, { licences: 1 });
      exportReader = await env.token(exportTenant, ['DR.Reader']);
      westeurope = await proxiedRegion(inject('emulators'), 'westeurope');
      const direct = new TableAuditLog(
        'westeurope',
        new Map([
          [
            'westeurope',
            createAuditTableClient({
              kind: 'connectionString',
              connectionString: westeurope.directConnectionString,
            }),
          ],
        ]),
      );
      const at = Date.now();
      for (let i = 0; i < seeded; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, seeded - i) }, (_, j) =>
            direct.append(
              {
                tenantId: exportTenant,
                actor: { kind: 'system', region: 'westeurope' },
                action: 'test.bulk',
                target: `/tenants/${exportTenant}/things/${i + j}`,
                outcome: 'succeeded',
              },
              new Date(at - i - j),
            ),
          ),
        );
      }
      // westeurope's storage through its proxy. A page read on a request's behalf gets 300 ms; a
      // worker's read would get a minute, longer than this test may take.
      process.env.REGION_STORAGE = regionStorageWith(inject('emulators'), [westeurope]);
      resetConfig();
      installServices({ budgets: { request: { read: 300 }, worker: { read: 60_000 } } });
    });
    afterAll(async () => {
      process.env.REGION_STORAGE = env.settings.REGION_STORAGE;
      resetConfig();
      installServices({});
      await westeurope?.close();
    });

    it("reads every later page within the request's bound too, breaking the stream off instead of hanging", async () => {
      const route = httpFunctions().find((f) => f.name === 'getAuditTrail')!;
      const response = (await route.handler(
        new HttpRequest({
          method: 'GET',
          url: `http://localhost/api/tenants/${exportTenant}/audit?format=csv&action=test.bulk`,
          params: { tenantId: exportTenant },
          headers: { authorization: `Bearer ${exportReader}` },
        }),
        new InvocationContext({ functionName: route.name }),
      )) as HttpResponseInit;
      expect(response.status).toBe(200);
      // The stream reads a row ahead of its reader: once the header and 999 rows are taken, the
      // last row of the first page is in hand and nothing more has been read from storage.
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (let chunk = 0; chunk < 1 + 999; chunk++) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        text += decoder.decode(value);
      }
      westeurope.setMode('blackhole');
      try {
        // The last row of the first page, then the second page's read: it gets the request's
        // budget, not a worker's, and its failure ends the stream rather than leaving it open.
        expect((await reader.read()).done).toBe(false);
        const next = reader.read();
        await expect(next).rejects.toThrow(
          /storage:westeurope did not answer a read \(table\) within 300 ms/,
        );
      } finally {
        westeurope.setMode('pass');
      }
      expect(text.trim().split('\r\n')).toHaveLength(1 + 999);
    });
  });
});
