/**
 * The audit trail over HTTP: one record per mutating request (refused ones included) with the
 * caller's identity and outcome, none for reads; the trail paged, filtered and exported as CSV;
 * a failing audit store never costs a request its outcome; the mutation rate limit.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installServices, services } from '../../src/compositionRoot';
import { resetConfig } from '../../src/config';
import type { AuditLog } from '../../src/ports/AuditLog';
import type { EventLog } from '../../src/ports/EventLog';
import { createDisk, regionBlobService } from '../support/disks';
import { call } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('audit trail', () => {
  let env: TestEnvironment;
  let admin: string;
  let reader: string;
  const tenantId = randomUUID();
  const adminIdentity = { objectId: randomUUID(), upn: 'ada@contoso.test' };
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const disk = { container: `audit-${randomUUID().slice(0, 8)}`, blob: 'd1.vhd' };

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
    env = await startTestEnvironment();
    admin = await env.token(tenantId, ['DR.Admin'], adminIdentity);
    reader = await env.token(tenantId, ['DR.Reader']);
    await createDisk(regionBlobService(env.settings, 'westeurope'), disk.container, disk.blob);
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
      ['PUT', '', 'putTenant', { name: 'Contoso', licences: 5, allowedBackupRegions: ['northeurope'] }],
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

    const anonymous = await call(api('/devices/d1'), { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    const [unauthenticated] = (await trail('&action=deleteDevice')).filter(
      (r) => r.correlationId === anonymous.headers.get('x-correlation-id'),
    );
    expect(unauthenticated).toMatchObject({ outcome: 'refused', status: 401, actor: { kind: 'anonymous' } });

    for (const path of ['', '/policies', '/devices', '/devices/d1', '/compliance', '/audit']) {
      expect((await call(api(path), { token: admin })).status).toBeLessThan(300);
    }
    // The three refusals above, and no record of any read.
    expect((await trail()).length).toBe(before.length + 3);
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
});
