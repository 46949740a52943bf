/**
 * Two tenants in one state store stay apart, and the refusals reported by the first API review
 * hold: stable rule codes, bad continuation tokens, repeated ids in any row, RPO changes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDisk, regionBlobService } from '../support/disks';
import { call } from '../support/http';
import { diskScope, provisionTenant } from '../support/tenants';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('tenant isolation and rule codes', () => {
  let env: TestEnvironment;
  const tenants = [randomUUID(), randomUUID()] as const;
  const tokens: string[] = [];
  const api = (t: number, path: string) => `${env.baseUrl}/tenants/${tenants[t]}${path}`;
  const device = (policyId: string, blob: string) => ({
    upn: 'ada@contoso.test',
    primaryRegion: 'westeurope',
    disk: { container: 'iso', blob },
    policyId,
  });

  beforeAll(async () => {
    env = await startTestEnvironment();
    const primary = regionBlobService(env.settings, 'westeurope');
    for (const [t, tenantId] of tenants.entries()) {
      tokens[t] = await env.token(tenantId, ['DR.Admin']);
      // Each tenant's disks under a prefix of its own: scopes of two tenants never overlap.
      expect(
        (
          await provisionTenant(env, tenantId, {
            name: `T${t}`,
            licences: 2,
            diskScopes: [diskScope('iso', `t${t}`)],
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call(api(t, '/policies/p'), {
            method: 'PUT',
            token: tokens[t],
            json: { name: 'P', backupRegion: 'northeurope', rpoHours: 24 },
          })
        ).status,
      ).toBe(201);
      for (const n of [1, 2, 3]) {
        await createDisk(primary, 'iso', `t${t}/${n}.vhd`);
        expect(
          (
            await call(api(t, `/devices/d${n}`), {
              method: 'PUT',
              token: tokens[t],
              json: device('p', `t${t}/${n}.vhd`),
            })
          ).status,
        ).toBe(201);
      }
    }
  });
  afterAll(async () => await env.close());

  it('lists, counts and licenses each tenant on its own', async () => {
    for (const t of [0, 1]) {
      const list = await call(api(t, '/devices'), { token: tokens[t] });
      expect(list.body.items.map((d: { id: string; licensed: boolean }) => `${d.id}:${d.licensed}`)).toEqual([
        'd1:true',
        'd2:true',
        'd3:false',
      ]);
      const report = await call(api(t, '/compliance'), { token: tokens[t] });
      expect(report.body.total).toBe(3);
      expect(report.body.counts.unlicensed).toBe(1);
    }
  });

  it('answers rule violations with their own stable code', async () => {
    const response = await call(api(0, '/policies/q'), {
      method: 'PUT',
      token: tokens[0],
      json: { name: 'Q', backupRegion: 'australiaeast', rpoHours: 4 },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('unknown-region');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'body.backupRegion' })]);
  });

  it.each([
    ['a well-formed object of the wrong shape', Buffer.from('{"bogus":1}').toString('base64url')],
    ['an array', Buffer.from('[1,2]').toString('base64url')],
    ['not base64url', 'abc$%'],
  ])('refuses a continuation token that is %s with 400', async (_what, token) => {
    const response = await call(
      api(0, `/devices?pageSize=1&continuationToken=${encodeURIComponent(token)}`),
      { token: tokens[0] },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('query.continuationToken');
  });

  it('refuses an import whose ids repeat even when the first row is invalid, writing nothing', async () => {
    const before = await stateSnapshot();
    const response = await call(api(0, '/device-imports'), {
      method: 'POST',
      token: tokens[0],
      json: {
        devices: [
          { id: 'x1', ...device('p', 't0/1.vhd'), upn: 'not a upn' },
          { id: 'x1', ...device('p', 't0/2.vhd') },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'body.devices.1.id', reason: 'repeats the id of row 0' }]);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('names each unknown field of an import row on its own', async () => {
    const response = await call(api(0, '/device-imports'), {
      method: 'POST',
      token: tokens[0],
      json: { devices: [{ id: 'x2', ...device('p', 't0/1.vhd'), a: 1, b: 2 }] },
    });
    expect(response.body.results[0].errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.devices.0.a',
      'body.devices.0.b',
    ]);
  });

  it("moves each device's next restore point into the new RPO window when the policy's RPO changes", async () => {
    const response = await call(api(1, '/policies/p'), {
      method: 'PUT',
      token: tokens[1],
      json: { name: 'P', backupRegion: 'northeurope', rpoHours: 1 },
    });
    expect(response.status).toBe(200);
    const d1 = (await call(api(1, '/devices/d1'), { token: tokens[1] })).body;
    expect(d1.rpoHours).toBe(1);
    expect(Date.parse(d1.nextRestorePointAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
  });
});
