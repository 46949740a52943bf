/**
 * The policies API end to end against the Cosmos emulator and Azurite: create, read, list, replace,
 * delete, every refusal naming its field with nothing written, and settings copied onto devices.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDisk, regionBlobService } from '../support/disks';
import { diskScope, provisionTenant } from '../support/tenants';
import { call, type TestResponse } from '../support/http';
import { expectRefused } from '../support/refusals';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('policies API', () => {
  let env: TestEnvironment;
  let admin: string;
  const tenantId = randomUUID();
  const container = `pol-${randomBytes(6).toString('hex')}`;
  const api = (path = '') => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const valid = { name: 'Every four hours', backupRegion: 'northeurope', rpoHours: 4 };
  /** This file's disk container, in both regions: devices of either region are registered. */
  const diskScopes = [diskScope(container), diskScope(container, undefined, 'northeurope')];

  async function put(path: string, json: unknown, token = admin): Promise<TestResponse> {
    const response = await call(api(path), { method: 'PUT', token, json });
    expect(response.status, response.text).toBeLessThan(300);
    return response;
  }

  async function registerDevice(id: string, policyId: string, primaryRegion = 'westeurope'): Promise<void> {
    await createDisk(regionBlobService(env.settings, primaryRegion), container, `${id}.vhd`, 512);
    await put(`/devices/${id}`, {
      upn: `${id}@contoso.test`,
      primaryRegion,
      disk: { container, blob: `${id}.vhd` },
      policyId,
      priorityTier: 3,
    });
  }

  beforeAll(async () => {
    env = await startTestEnvironment();
    admin = await env.token(tenantId, ['DR.Admin']);
    await provisionTenant(env, tenantId, { licences: 50, diskScopes });
  });
  afterAll(async () => await env.close());

  it('answers 404 for the policies of a tenant that does not exist, creating nothing', async () => {
    const other = randomUUID();
    const token = await env.token(other, ['DR.Admin']);
    const url = `${env.baseUrl}/tenants/${other}/policies/p1`;
    const response = await expectRefused(() => call(url, { method: 'PUT', token, json: valid }), 404);
    expect(response.body.code).toBe('not-found');
    expect((await call(`${env.baseUrl}/tenants/${other}/policies`, { token })).status).toBe(404);
    expect((await call(url, { token })).status).toBe(404);
  });

  it('answers 404 for a policy that does not exist', async () => {
    const response = await call(api('/policies/missing'), { token: admin });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not-found');
  });

  it('creates a policy (201) with an ETag and the documented defaults, and reads it back', async () => {
    const created = await call(api('/policies/four-hourly'), { method: 'PUT', token: admin, json: valid });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('etag')).toBeTruthy();
    expect(created.body).toEqual({
      id: 'four-hourly',
      ...valid,
      retention: { latest: 10, weekly: 4, keepLatestManual: true },
      enabled: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(created.body.createdAt).toBe(created.body.updatedAt);

    const read = await call(api('/policies/four-hourly'), {
      token: await env.token(tenantId, ['DR.Reader']),
    });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
  });

  it('keeps retention and enabled as given', async () => {
    const body = {
      ...valid,
      name: 'Daily, paused',
      rpoHours: 24,
      retention: { latest: 3, weekly: 0, keepLatestManual: false },
      enabled: false,
    };
    const created = await call(api('/policies/daily'), { method: 'PUT', token: admin, json: body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(body);
    expect((await call(api('/policies/daily'), { token: admin })).body).toMatchObject(body);
  });

  it("lists the tenant's policies", async () => {
    const response = await call(api('/policies'), { token: await env.token(tenantId, ['DR.Reader']) });
    expect(response.status).toBe(200);
    const ids = response.body.items.map((p: { id: string }) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['daily', 'four-hourly']));
    expect(response.body.items.find((p: { id: string }) => p.id === 'four-hourly')).toMatchObject({
      ...valid,
      enabled: true,
    });
  });

  it('replaces a policy (200) keeping createdAt, with a new ETag', async () => {
    const before = await call(api('/policies/four-hourly'), { token: admin });
    const replaced = await call(api('/policies/four-hourly'), {
      method: 'PUT',
      token: admin,
      json: {
        ...valid,
        name: 'Renamed',
        rpoHours: 6,
        retention: { latest: 20, weekly: 8, keepLatestManual: true },
      },
      headers: { 'if-match': before.headers.get('etag')! },
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body).toMatchObject({
      id: 'four-hourly',
      name: 'Renamed',
      rpoHours: 6,
      retention: { latest: 20, weekly: 8, keepLatestManual: true },
    });
    expect(replaced.body.createdAt).toBe(before.body.createdAt);
    expect(replaced.headers.get('etag')).toBeTruthy();
    expect(replaced.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect((await call(api('/policies/four-hourly'), { token: admin })).body).toEqual(replaced.body);
  });

  it('refuses a replacement with a stale If-Match (412) and keeps the newer data', async () => {
    const etag = (await call(api('/policies/four-hourly'), { token: admin })).headers.get('etag')!;
    const first = await call(api('/policies/four-hourly'), {
      method: 'PUT',
      token: admin,
      json: { ...valid, name: 'First' },
      headers: { 'if-match': etag },
    });
    expect(first.status).toBe(200);
    const stale = await expectRefused(
      () =>
        call(api('/policies/four-hourly'), {
          method: 'PUT',
          token: admin,
          json: { ...valid, name: 'Second' },
          headers: { 'if-match': etag },
        }),
      412,
    );
    expect(stale.body.code).toBe('precondition-failed');
    expect((await call(api('/policies/four-hourly'), { token: admin })).body.name).toBe('First');
  });

  it('refuses If-Match on a policy that does not exist (412), creating nothing', async () => {
    await expectRefused(
      () =>
        call(api('/policies/ghost'), {
          method: 'PUT',
          token: admin,
          json: valid,
          headers: { 'if-match': '"anything"' },
        }),
      412,
    );
    expect((await call(api('/policies/ghost'), { token: admin })).status).toBe(404);
  });

  it('refuses a caller without DR.Admin (403), writing nothing', async () => {
    const operator = await env.token(tenantId, ['DR.Operator']);
    await expectRefused(
      () => call(api('/policies/op'), { method: 'PUT', token: operator, json: valid }),
      403,
    );
    await expectRefused(() => call(api('/policies/daily'), { method: 'DELETE', token: operator }), 403);
  });

  describe('refuses bad input with 400 naming the field, writing nothing', () => {
    it.each([
      [
        'a backup region this deployment has no storage for',
        { ...valid, backupRegion: 'australiaeast' },
        'body.backupRegion',
      ],
      [
        'a backup region the tenant does not allow',
        { ...valid, backupRegion: 'westeurope' },
        'body.backupRegion',
      ],
      ['a malformed backup region', { ...valid, backupRegion: 'North Europe' }, 'body.backupRegion'],
      ['a missing backup region', { name: 'x', rpoHours: 4 }, 'body.backupRegion'],
      ['rpoHours 3', { ...valid, rpoHours: 3 }, 'body.rpoHours'],
      ['rpoHours 0', { ...valid, rpoHours: 0 }, 'body.rpoHours'],
      ['rpoHours 48', { ...valid, rpoHours: 48 }, 'body.rpoHours'],
      ['rpoHours -1', { ...valid, rpoHours: -1 }, 'body.rpoHours'],
      ['rpoHours 1.5', { ...valid, rpoHours: 1.5 }, 'body.rpoHours'],
      ['rpoHours as a string', { ...valid, rpoHours: '4' }, 'body.rpoHours'],
      ['a missing rpoHours', { name: 'x', backupRegion: 'northeurope' }, 'body.rpoHours'],
      [
        'retention.latest 0',
        { ...valid, retention: { latest: 0, weekly: 4, keepLatestManual: true } },
        'body.retention.latest',
      ],
      [
        'retention.latest 101',
        { ...valid, retention: { latest: 101, weekly: 4, keepLatestManual: true } },
        'body.retention.latest',
      ],
      [
        'retention.latest 2.5',
        { ...valid, retention: { latest: 2.5, weekly: 4, keepLatestManual: true } },
        'body.retention.latest',
      ],
      [
        'retention.weekly -1',
        { ...valid, retention: { latest: 10, weekly: -1, keepLatestManual: true } },
        'body.retention.weekly',
      ],
      [
        'retention.weekly 53',
        { ...valid, retention: { latest: 10, weekly: 53, keepLatestManual: true } },
        'body.retention.weekly',
      ],
      [
        'retention.keepLatestManual not a boolean',
        { ...valid, retention: { latest: 10, weekly: 4, keepLatestManual: 'yes' } },
        'body.retention.keepLatestManual',
      ],
      ['a partial retention', { ...valid, retention: { latest: 10 } }, 'body.retention.weekly'],
      [
        'an unknown retention field',
        { ...valid, retention: { latest: 10, weekly: 4, keepLatestManual: true, monthly: 2 } },
        'body.retention.monthly',
      ],
      ['enabled not a boolean', { ...valid, enabled: 'false' }, 'body.enabled'],
      ['a missing name', { backupRegion: 'northeurope', rpoHours: 4 }, 'body.name'],
      ['a blank name', { ...valid, name: '   ' }, 'body.name'],
      ['an overlong name', { ...valid, name: 'x'.repeat(257) }, 'body.name'],
      ['a name with a right-to-left override', { ...valid, name: 'Daily \u202eylkeew' }, 'body.name'],
      ['a name with a NUL', { ...valid, name: 'Daily\u0000' }, 'body.name'],
      ['an unknown field', { ...valid, owner: 'me' }, 'body.owner'],
    ])('refuses %s (%j) naming %s', async (_what, body, field) => {
      const response = await expectRefused(
        () => call(api('/policies/refused'), { method: 'PUT', token: admin, json: body }),
        400,
        field,
      );
      // Schema errors say validation-failed; rules a schema cannot express have their own code.
      expect([
        'validation-failed',
        'unknown-region',
        'region-not-allowed',
        'backup-equals-primary',
        'disk-not-found',
        'unknown-policy',
      ]).toContain(response.body.code);
      expect((await call(api('/policies/refused'), { token: admin })).status).toBe(404);
    });

    it('refuses the same bad input on an existing policy, leaving it unchanged', async () => {
      const before = (await call(api('/policies/daily'), { token: admin })).body;
      await expectRefused(
        () => call(api('/policies/daily'), { method: 'PUT', token: admin, json: { ...valid, rpoHours: 3 } }),
        400,
        'body.rpoHours',
      );
      await expectRefused(
        () =>
          call(api('/policies/daily'), {
            method: 'PUT',
            token: admin,
            json: { ...valid, backupRegion: 'australiaeast' },
          }),
        400,
        'body.backupRegion',
      );
      await expectRefused(
        () =>
          call(api('/policies/daily'), {
            method: 'PUT',
            token: admin,
            json: { ...valid, backupRegion: 'westeurope' },
          }),
        400,
        'body.backupRegion',
      );
      expect((await call(api('/policies/daily'), { token: admin })).body).toEqual(before);
    });

    it.each([
      ['a policy id with a space', 'has%20space'],
      ['a policy id starting with a dash', '-policy'],
      ['a 65-character policy id', 'p'.repeat(65)],
    ])('refuses %s naming path.policyId', async (_what, id) => {
      await expectRefused(
        () => call(api(`/policies/${id}`), { method: 'PUT', token: admin, json: valid }),
        400,
        'path.policyId',
      );
    });

    it('refuses a body that is not JSON, and an unknown query parameter', async () => {
      await expectRefused(
        () =>
          call(api('/policies/refused'), {
            method: 'PUT',
            token: admin,
            body: '{"name":',
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'body',
      );
      await expectRefused(
        () => call(api('/policies/refused?force=true'), { method: 'PUT', token: admin, json: valid }),
        400,
        'query.force',
      );
    });
  });

  describe('delete', () => {
    it('deletes a policy no device uses (204), then answers 404', async () => {
      await put('/policies/short-lived', valid);
      const deleted = await call(api('/policies/short-lived'), { method: 'DELETE', token: admin });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await call(api('/policies/short-lived'), { token: admin })).status).toBe(404);
      expect(
        (await call(api('/policies'), { token: admin })).body.items.map((p: { id: string }) => p.id),
      ).not.toContain('short-lived');
      expect((await call(api('/policies/short-lived'), { method: 'DELETE', token: admin })).status).toBe(404);
    });

    it('refuses to delete a policy a device uses (409 policy-in-use), until the device is gone', async () => {
      await put('/policies/in-use', valid);
      await registerDevice('in-use-device', 'in-use');
      const refused = await expectRefused(
        () => call(api('/policies/in-use'), { method: 'DELETE', token: admin }),
        409,
      );
      expect(refused.body.code).toBe('policy-in-use');
      expect((await call(api('/policies/in-use'), { token: admin })).status).toBe(200);

      expect((await call(api('/devices/in-use-device'), { method: 'DELETE', token: admin })).status).toBe(
        204,
      );
      expect((await call(api('/policies/in-use'), { method: 'DELETE', token: admin })).status).toBe(204);
    });
  });

  describe("changes that reach the policy's devices", () => {
    beforeAll(async () => {
      // Both regions allowed, so only the devices' primary regions stand in the way.
      await provisionTenant(env, tenantId, {
        licences: 50,
        allowedBackupRegions: ['northeurope', 'westeurope'],
        diskScopes,
      });
      await put('/policies/fleet', { ...valid, name: 'Fleet', rpoHours: 1 });
      await registerDevice('fleet-1', 'fleet');
      await registerDevice('fleet-2', 'fleet');
    });

    it('refuses a backup region that is the primary region of one of its devices, changing nothing', async () => {
      const before = (await call(api('/policies/fleet'), { token: admin })).body;
      await expectRefused(
        () =>
          call(api('/policies/fleet'), {
            method: 'PUT',
            token: admin,
            json: { ...valid, name: 'Fleet', rpoHours: 2, backupRegion: 'westeurope' },
          }),
        400,
        'body.backupRegion',
      );
      expect((await call(api('/policies/fleet'), { token: admin })).body).toEqual(before);
      expect((await call(api('/devices/fleet-1'), { token: admin })).body).toMatchObject({
        backupRegion: 'northeurope',
        rpoHours: 1,
      });
    });

    it('allows that backup region for a policy without such devices', async () => {
      await put('/policies/westward', { ...valid, name: 'Westward' });
      const changed = await call(api('/policies/westward'), {
        method: 'PUT',
        token: admin,
        json: { ...valid, name: 'Westward', backupRegion: 'westeurope' },
      });
      expect(changed.status, changed.text).toBe(200);
      expect(changed.body.backupRegion).toBe('westeurope');
    });

    it('copies a changed rpoHours onto its devices', async () => {
      const response = await call(api('/policies/fleet'), {
        method: 'PUT',
        token: admin,
        json: { ...valid, name: 'Fleet', rpoHours: 12 },
      });
      expect(response.status).toBe(200);
      for (const id of ['fleet-1', 'fleet-2']) {
        expect((await call(api(`/devices/${id}`), { token: admin })).body, id).toMatchObject({
          rpoHours: 12,
          status: 'not-yet-protected',
          backupRegion: 'northeurope',
        });
      }
    });

    it('copies enabled: false onto its devices (status disabled), and enabled: true back', async () => {
      const disabled = await call(api('/policies/fleet'), {
        method: 'PUT',
        token: admin,
        json: { ...valid, name: 'Fleet', rpoHours: 12, enabled: false },
      });
      expect(disabled.status).toBe(200);
      for (const id of ['fleet-1', 'fleet-2']) {
        expect((await call(api(`/devices/${id}`), { token: admin })).body, id).toMatchObject({
          status: 'disabled',
          licensed: true,
        });
      }
      const listed = await call(api('/devices?status=disabled'), { token: admin });
      expect(listed.body.items.map((d: { id: string }) => d.id).sort()).toEqual(['fleet-1', 'fleet-2']);

      const enabled = await call(api('/policies/fleet'), {
        method: 'PUT',
        token: admin,
        json: { ...valid, name: 'Fleet', rpoHours: 12, enabled: true },
      });
      expect(enabled.status).toBe(200);
      expect((await call(api('/devices/fleet-1'), { token: admin })).body.status).toBe('not-yet-protected');
    });

    it('refuses manual restore points while the policy is disabled', async () => {
      await put('/policies/fleet', { ...valid, name: 'Fleet', rpoHours: 12, enabled: false });
      const operator = await env.token(tenantId, ['DR.Operator']);
      await expectRefused(
        () => call(api('/devices/fleet-1/restore-points'), { method: 'POST', token: operator }),
        400,
        'path.deviceId',
      );
      await put('/policies/fleet', { ...valid, name: 'Fleet', rpoHours: 12, enabled: true });
    });
  });
});
