/**
 * The devices API end to end against the Cosmos emulator and Azurite: registration with real disks,
 * licences (also under concurrency), filtered and paged listing, bulk import with a result per row,
 * manual restore points, and every refusal naming its field with nothing written.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restorePointName } from '../../src/domain/restorePoint';
import { createDisk, regionBlobService } from '../support/disks';
import { call, type TestResponse } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const hour = 3_600_000;

const fields = (response: TestResponse): string[] => (response.body?.errors ?? []).map((e: { field: string }) => e.field);
const ids = (items: { id: string }[]): string[] => items.map((d) => d.id);

interface Tenant {
  id: string;
  admin: string;
  api(path?: string): string;
}

describe('devices API', () => {
  let env: TestEnvironment;
  let main: Tenant;
  const container = `dev-${randomBytes(6).toString('hex')}`;

  async function newTenant(licences: number): Promise<Tenant> {
    const id = randomUUID();
    const tenant: Tenant = { id, admin: await env.token(id, ['DR.Admin']), api: (path = '') => `${env.baseUrl}/tenants/${id}${path}` };
    // Both regions allowed: a policy may back up to westeurope, so backup-equals-primary is reachable.
    await put(tenant, '', { name: 'Contoso', licences, allowedBackupRegions: ['northeurope', 'westeurope'] });
    await put(tenant, '/policies/std', { name: 'Standard', backupRegion: 'northeurope', rpoHours: 4 });
    await put(tenant, '/policies/west', { name: 'To West Europe', backupRegion: 'westeurope', rpoHours: 4 });
    await put(tenant, '/policies/off', { name: 'Paused', backupRegion: 'northeurope', rpoHours: 4, enabled: false });
    return tenant;
  }

  async function put(tenant: Tenant, path: string, json: unknown): Promise<TestResponse> {
    const response = await call(tenant.api(path), { method: 'PUT', token: tenant.admin, json });
    expect(response.status, response.text).toBeLessThan(300);
    return response;
  }

  /** A device body whose disk exists in `primaryRegion`. */
  async function deviceBody(id: string, overrides: Record<string, unknown> = {}, primaryRegion = 'westeurope'): Promise<Record<string, unknown>> {
    await createDisk(regionBlobService(env.settings, primaryRegion), container, `${id}.vhd`, 512);
    return { upn: `${id}@contoso.test`, primaryRegion, disk: { container, blob: `${id}.vhd` }, policyId: 'std', priorityTier: 2, ...overrides };
  }

  async function register(tenant: Tenant, id: string, overrides: Record<string, unknown> = {}, primaryRegion = 'westeurope'): Promise<TestResponse> {
    const response = await call(tenant.api(`/devices/${id}`), { method: 'PUT', token: tenant.admin, json: await deviceBody(id, overrides, primaryRegion) });
    expect(response.status, response.text).toBe(201);
    return response;
  }

  /** Asserts a 4xx problem naming `field`, and that no document changed. */
  async function expectRefused(request: () => Promise<TestResponse>, status: number, field?: string): Promise<TestResponse> {
    const before = await stateSnapshot();
    const response = await request();
    expect(response.status, response.text).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(fields(response)).toContain(field);
    expect(await stateSnapshot()).toEqual(before);
    return response;
  }

  beforeAll(async () => {
    env = await startTestEnvironment();
    main = await newTenant(1000);
  });
  afterAll(async () => await env.close());

  describe('register, read, update, delete', () => {
    it('answers 404 for a tenant that does not exist, writing nothing', async () => {
      const other = randomUUID();
      const token = await env.token(other, ['DR.Admin']);
      const json = await deviceBody('nowhere');
      await expectRefused(() => call(`${env.baseUrl}/tenants/${other}/devices/nowhere`, { method: 'PUT', token, json }), 404);
      expect((await call(`${env.baseUrl}/tenants/${other}/devices`, { token })).status).toBe(404);
      await expectRefused(() => call(`${env.baseUrl}/tenants/${other}/device-imports`, { method: 'POST', token, json: { devices: [{ id: 'nowhere', ...json }] } }), 404);
    });

    it('registers a device whose disk exists (201) and reads it back: licensed, not yet protected, its first point due within one RPO', async () => {
      const before = Date.now();
      const created = await register(main, 'cpc-001', { priorityTier: 1 });
      const after = Date.now();
      expect(created.headers.get('etag')).toBeTruthy();
      expect(created.body).toMatchObject({
        id: 'cpc-001',
        upn: 'cpc-001@contoso.test',
        primaryRegion: 'westeurope',
        disk: { kind: 'pageBlob', container, blob: 'cpc-001.vhd' },
        policyId: 'std',
        priorityTier: 1,
        licensed: true,
        backupRegion: 'northeurope',
        rpoHours: 4,
        status: 'not-yet-protected',
      });

      const read = await call(main.api('/devices/cpc-001'), { token: await env.token(main.id, ['DR.Reader']) });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
      expect(read.body.lastVerifiedAt).toBeUndefined();
      const next = Date.parse(read.body.nextRestorePointAt);
      expect(next).toBeGreaterThan(before);
      expect(next).toBeLessThanOrEqual(after + 4 * hour);
    });

    it('defaults priorityTier to 5', async () => {
      const body = await deviceBody('cpc-default');
      delete body.priorityTier;
      const created = await call(main.api('/devices/cpc-default'), { method: 'PUT', token: main.admin, json: body });
      expect(created.status, created.text).toBe(201);
      expect(created.body.priorityTier).toBe(5);
    });

    it('updates a device (200), keeping its licence and createdAt, and follows a new policy', async () => {
      const before = await call(main.api('/devices/cpc-001'), { token: main.admin });
      await put(main, '/policies/daily', { name: 'Daily', backupRegion: 'northeurope', rpoHours: 24 });
      const now = Date.now();
      const updated = await call(main.api('/devices/cpc-001'), {
        method: 'PUT',
        token: main.admin,
        json: await deviceBody('cpc-001', { upn: 'grace@contoso.test', priorityTier: 7, policyId: 'daily' }),
        headers: { 'if-match': before.headers.get('etag')! },
      });
      expect(updated.status, updated.text).toBe(200);
      expect(updated.body).toMatchObject({ upn: 'grace@contoso.test', priorityTier: 7, policyId: 'daily', rpoHours: 24, licensed: true, status: 'not-yet-protected' });
      expect(updated.body.createdAt).toBe(before.body.createdAt);
      expect(updated.headers.get('etag')).not.toBe(before.headers.get('etag'));
      expect(Date.parse(updated.body.nextRestorePointAt)).toBeLessThanOrEqual(Date.now() + 24 * hour);
      expect(Date.parse(updated.body.nextRestorePointAt)).toBeGreaterThan(now);
      expect((await call(main.api('/devices/cpc-001'), { token: main.admin })).body).toEqual(updated.body);
    });

    it('refuses an update with a stale If-Match (412) and keeps the newer data', async () => {
      const etag = (await call(main.api('/devices/cpc-001'), { token: main.admin })).headers.get('etag')!;
      const body = await deviceBody('cpc-001', { policyId: 'daily' });
      const first = await call(main.api('/devices/cpc-001'), { method: 'PUT', token: main.admin, json: { ...body, upn: 'first@contoso.test' }, headers: { 'if-match': etag } });
      expect(first.status).toBe(200);
      const stale = await expectRefused(
        () => call(main.api('/devices/cpc-001'), { method: 'PUT', token: main.admin, json: { ...body, upn: 'second@contoso.test' }, headers: { 'if-match': etag } }),
        412,
      );
      expect(stale.body.code).toBe('precondition-failed');
      expect((await call(main.api('/devices/cpc-001'), { token: main.admin })).body.upn).toBe('first@contoso.test');
    });

    it('refuses If-Match on a device that does not exist (412), registering nothing', async () => {
      const json = await deviceBody('cpc-ghost');
      await expectRefused(() => call(main.api('/devices/cpc-ghost'), { method: 'PUT', token: main.admin, json, headers: { 'if-match': '"x"' } }), 412);
      expect((await call(main.api('/devices/cpc-ghost'), { token: main.admin })).status).toBe(404);
    });

    it('deletes a device (204); it then answers 404', async () => {
      await register(main, 'cpc-gone');
      const deleted = await call(main.api('/devices/cpc-gone'), { method: 'DELETE', token: main.admin });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await call(main.api('/devices/cpc-gone'), { token: main.admin })).status).toBe(404);
      expect((await call(main.api('/devices/cpc-gone/restore-points'), { token: main.admin })).status).toBe(404);
      expect((await call(main.api('/devices/cpc-gone'), { method: 'DELETE', token: main.admin })).status).toBe(404);
    });

    it('refuses a caller without DR.Admin (403), writing nothing', async () => {
      const operator = await env.token(main.id, ['DR.Operator']);
      const json = await deviceBody('cpc-op');
      await expectRefused(() => call(main.api('/devices/cpc-op'), { method: 'PUT', token: operator, json }), 403);
      await expectRefused(() => call(main.api('/devices/cpc-001'), { method: 'DELETE', token: operator }), 403);
    });
  });

  describe('refuses bad input with the field named, writing nothing', () => {
    let good: Record<string, unknown>;
    beforeAll(async () => {
      good = await deviceBody('refused');
    });

    it.each<[string, (good: Record<string, unknown>) => Record<string, unknown>, string]>([
      ['an unknown primary region', (g) => ({ ...g, primaryRegion: 'australiaeast' }), 'body.primaryRegion'],
      ['a malformed primary region', (g) => ({ ...g, primaryRegion: 'West Europe' }), 'body.primaryRegion'],
      ['a policy backing up to the primary region', (g) => ({ ...g, policyId: 'west' }), 'body.policyId'],
      ['a disk that does not exist', (g) => ({ ...g, disk: { container, blob: 'no-such-disk.vhd' } }), 'body.disk'],
      ['a disk container that does not exist', (g) => ({ ...g, disk: { container: 'no-such-container', blob: 'refused.vhd' } }), 'body.disk'],
      ['a malformed disk container', (g) => ({ ...g, disk: { container: 'Disks', blob: 'refused.vhd' } }), 'body.disk.container'],
      ['an unknown disk kind', (g) => ({ ...g, disk: { kind: 'managedDisk', container, blob: 'refused.vhd' } }), 'body.disk.kind'],
      ['an unknown disk field', (g) => ({ ...g, disk: { container, blob: 'refused.vhd', sizeGb: 128 } }), 'body.disk.sizeGb'],
      ['a missing disk', ({ disk: _disk, ...g }) => g, 'body.disk'],
      ['an unknown policy', (g) => ({ ...g, policyId: 'no-such-policy' }), 'body.policyId'],
      ['a malformed policy id', (g) => ({ ...g, policyId: 'has space' }), 'body.policyId'],
      ['a upn without @', (g) => ({ ...g, upn: 'ada.contoso.test' }), 'body.upn'],
      ['a upn with two @', (g) => ({ ...g, upn: 'ada@contoso@test' }), 'body.upn'],
      ['a upn with a space', (g) => ({ ...g, upn: 'ada lovelace@contoso.test' }), 'body.upn'],
      ['a missing upn', ({ upn: _upn, ...g }) => g, 'body.upn'],
      ['priorityTier 0', (g) => ({ ...g, priorityTier: 0 }), 'body.priorityTier'],
      ['priorityTier 11', (g) => ({ ...g, priorityTier: 11 }), 'body.priorityTier'],
      ['priorityTier 1.5', (g) => ({ ...g, priorityTier: 1.5 }), 'body.priorityTier'],
      ['priorityTier as a string', (g) => ({ ...g, priorityTier: '2' }), 'body.priorityTier'],
      ['an unknown field', (g) => ({ ...g, owner: 'me' }), 'body.owner'],
      ['a licensed flag from the caller', (g) => ({ ...g, licensed: true }), 'body.licensed'],
    ])('refuses %s naming %s', async (_what, change, field) => {
      const response = await expectRefused(() => call(main.api('/devices/refused'), { method: 'PUT', token: main.admin, json: change(good) }), 400, field);
      expect(response.body.code).toBe('validation-failed');
      expect((await call(main.api('/devices/refused'), { token: main.admin })).status).toBe(404);
    });

    it.each([
      ['a device id with a space', 'has%20space'],
      ['a 65-character device id', 'd'.repeat(65)],
      ['a device id starting with a dot', '.hidden'],
    ])('refuses %s naming path.deviceId', async (_what, id) => {
      await expectRefused(() => call(main.api(`/devices/${id}`), { method: 'PUT', token: main.admin, json: good }), 400, 'path.deviceId');
      expect((await call(main.api(`/devices/${id}`), { token: main.admin })).status).toBe(400);
    });

    it('accepts a 64-character device id', async () => {
      const id = 'd'.repeat(64);
      await register(main, id);
      expect((await call(main.api(`/devices/${id}`), { method: 'DELETE', token: main.admin })).status).toBe(204);
    });

    it('refuses a body over 256 KiB with 413', async () => {
      const response = await expectRefused(
        () => call(main.api('/devices/refused'), { method: 'PUT', token: main.admin, json: { ...good, upn: `${'a'.repeat(300 * 1024)}@contoso.test` } }),
        413,
        'body',
      );
      expect(response.body.code).toBe('body-too-large');
    });

    it('refuses a body that is not JSON, or not declared as JSON', async () => {
      await expectRefused(() => call(main.api('/devices/refused'), { method: 'PUT', token: main.admin, body: '{', headers: { 'content-type': 'application/json' } }), 400, 'body');
      await expectRefused(() => call(main.api('/devices/refused'), { method: 'PUT', token: main.admin, body: JSON.stringify(good), headers: { 'content-type': 'text/plain' } }), 415);
    });

    it('refuses bad changes to an existing device, leaving it unchanged', async () => {
      await register(main, 'cpc-keep');
      const before = (await call(main.api('/devices/cpc-keep'), { token: main.admin })).body;
      const body = await deviceBody('cpc-keep');
      const put = (json: unknown) => () => call(main.api('/devices/cpc-keep'), { method: 'PUT', token: main.admin, json });
      await expectRefused(put({ ...body, policyId: 'no-such-policy' }), 400, 'body.policyId');
      await expectRefused(put({ ...body, policyId: 'west' }), 400, 'body.policyId');
      await expectRefused(put({ ...body, primaryRegion: 'australiaeast' }), 400, 'body.primaryRegion');
      await expectRefused(put({ ...body, disk: { container, blob: 'no-such-disk.vhd' } }), 400, 'body.disk');
      await expectRefused(put({ ...body, priorityTier: 11 }), 400, 'body.priorityTier');
      expect((await call(main.api('/devices/cpc-keep'), { token: main.admin })).body).toEqual(before);
    });
  });

  describe('licences', () => {
    it('stores the device beyond the licence count unlicensed, keeps licences on update, and frees one on delete', async () => {
      const tenant = await newTenant(2);
      expect((await register(tenant, 'lic-a')).body.licensed).toBe(true);
      expect((await register(tenant, 'lic-b')).body.licensed).toBe(true);
      const third = await register(tenant, 'lic-c');
      expect(third.body).toMatchObject({ licensed: false, status: 'unlicensed' });
      expect((await call(tenant.api('/devices/lic-c'), { token: tenant.admin })).body).toMatchObject({ licensed: false, status: 'unlicensed' });

      // Updates neither take nor give back a licence.
      const updatedC = await call(tenant.api('/devices/lic-c'), { method: 'PUT', token: tenant.admin, json: await deviceBody('lic-c', { priorityTier: 9 }) });
      expect(updatedC.status).toBe(200);
      expect(updatedC.body).toMatchObject({ licensed: false, status: 'unlicensed', priorityTier: 9 });
      const updatedA = await call(tenant.api('/devices/lic-a'), { method: 'PUT', token: tenant.admin, json: await deviceBody('lic-a', { priorityTier: 9 }) });
      expect(updatedA.body).toMatchObject({ licensed: true, priorityTier: 9 });

      // A licensed device's removal frees its licence for the next registration.
      expect((await call(tenant.api('/devices/lic-a'), { method: 'DELETE', token: tenant.admin })).status).toBe(204);
      expect((await register(tenant, 'lic-d')).body).toMatchObject({ licensed: true, status: 'not-yet-protected' });
      // An unlicensed device's removal frees none.
      expect((await call(tenant.api('/devices/lic-c'), { method: 'DELETE', token: tenant.admin })).status).toBe(204);
      expect((await register(tenant, 'lic-e')).body.licensed).toBe(false);

      const unlicensed = await call(tenant.api('/devices?status=unlicensed'), { token: tenant.admin });
      expect(ids(unlicensed.body.items)).toEqual(['lic-e']);
    });

    it('never hands out more licences than the tenant has, with 12 registrations at once for 5 licences', async () => {
      const tenant = await newTenant(5);
      const names = Array.from({ length: 12 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
      const bodies = await Promise.all(names.map((id) => deviceBody(id)));
      const responses = await Promise.all(
        names.map((id, i) => call(tenant.api(`/devices/${id}`), { method: 'PUT', token: tenant.admin, json: bodies[i] })),
      );
      expect(responses.map((r) => r.status)).toEqual(names.map(() => 201));
      expect(responses.filter((r) => r.body.licensed === true)).toHaveLength(5);

      const listed = (await call(tenant.api('/devices'), { token: tenant.admin })).body.items;
      expect(ids(listed)).toEqual(names);
      expect(listed.filter((d: { licensed: boolean }) => d.licensed)).toHaveLength(5);
      expect(listed.filter((d: { status: string }) => d.status === 'unlicensed')).toHaveLength(7);
      expect((await register(tenant, 'burst-late')).body.licensed).toBe(false);
    });
  });

  describe('list', () => {
    let tenant: Tenant;
    const all = ['n1', 'n2', 'w1', 'w2', 'w3', 'w4', 'w5'];

    beforeAll(async () => {
      tenant = await newTenant(6);
      await register(tenant, 'w1', { priorityTier: 1 });
      await register(tenant, 'w2', { priorityTier: 2 });
      await register(tenant, 'w3', { priorityTier: 1, policyId: 'off' });
      await register(tenant, 'n1', { priorityTier: 2, policyId: 'west' }, 'northeurope');
      await register(tenant, 'n2', { priorityTier: 3, policyId: 'west' }, 'northeurope');
      await register(tenant, 'w4', { priorityTier: 3 });
      // The seventh device of six licences.
      await register(tenant, 'w5', { priorityTier: 1 });
    });

    const list = async (query = '') => {
      const response = await call(tenant.api(`/devices${query}`), { token: await env.token(tenant.id, ['DR.Reader']) });
      expect(response.status, response.text).toBe(200);
      return response;
    };

    it('lists every device, ordered by id, with its status', async () => {
      const { body } = await list();
      expect(ids(body.items)).toEqual(all);
      expect(body.continuationToken).toBeUndefined();
      const status = Object.fromEntries(body.items.map((d: { id: string; status: string }) => [d.id, d.status]));
      expect(status).toEqual({
        n1: 'not-yet-protected',
        n2: 'not-yet-protected',
        w1: 'not-yet-protected',
        w2: 'not-yet-protected',
        w3: 'disabled',
        w4: 'not-yet-protected',
        w5: 'unlicensed',
      });
      expect(body.items.find((d: { id: string }) => d.id === 'n1')).toMatchObject({ primaryRegion: 'northeurope', backupRegion: 'westeurope' });
    });

    it.each([
      ['?policyId=std', ['w1', 'w2', 'w4', 'w5']],
      ['?policyId=west', ['n1', 'n2']],
      ['?policyId=no-such-policy', []],
      ['?primaryRegion=northeurope', ['n1', 'n2']],
      ['?primaryRegion=westeurope', ['w1', 'w2', 'w3', 'w4', 'w5']],
      ['?priorityTier=1', ['w1', 'w3', 'w5']],
      ['?priorityTier=3', ['n2', 'w4']],
      ['?status=not-yet-protected', ['n1', 'n2', 'w1', 'w2', 'w4']],
      ['?status=disabled', ['w3']],
      ['?status=unlicensed', ['w5']],
      ['?status=protected', []],
      ['?policyId=std&priorityTier=1', ['w1', 'w5']],
      ['?primaryRegion=westeurope&status=not-yet-protected&priorityTier=3', ['w4']],
    ])('filters %s', async (query, expected) => {
      expect(ids((await list(query)).body.items)).toEqual(expected);
    });

    it.each([
      ['', 2, all],
      ['', 1, all],
      ['', 3, all],
      ['&policyId=std', 3, ['w1', 'w2', 'w4', 'w5']],
      ['&priorityTier=1', 2, ['w1', 'w3', 'w5']],
    ])('walks every page%s with pageSize %i: none missed, none repeated', async (filter, pageSize, expected) => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const query = `?pageSize=${pageSize}${filter}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
        const { body } = await list(query);
        expect(body.items.length).toBeLessThanOrEqual(pageSize);
        seen.push(...ids(body.items));
        token = body.continuationToken;
        pages += 1;
        expect(pages).toBeLessThanOrEqual(expected.length + 1);
      } while (token);
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / pageSize));
    });

    it.each([
      ['?continuationToken=not%20a%20token', 'query.continuationToken'],
      ['?continuationToken=!!!', 'query.continuationToken'],
      [`?continuationToken=${Buffer.from('hello').toString('base64url')}`, 'query.continuationToken'],
      ['?continuationToken=', 'query.continuationToken'],
      ['?pageSize=0', 'query.pageSize'],
      ['?pageSize=1001', 'query.pageSize'],
      ['?pageSize=ten', 'query.pageSize'],
      ['?priorityTier=11', 'query.priorityTier'],
      ['?status=fine', 'query.status'],
      ['?primaryRegion=West%20Europe', 'query.primaryRegion'],
      ['?sort=id', 'query.sort'],
    ])('refuses %s naming %s', async (query, field) => {
      await expectRefused(() => call(tenant.api(`/devices${query}`), { token: tenant.admin }), 400, field);
    });
  });

  describe('bulk import', () => {
    const row = async (id: string, overrides: Record<string, unknown> = {}, region = 'westeurope') => ({ id, ...(await deviceBody(id, overrides, region)) });
    const importInto = (tenant: Tenant, json: unknown) => call(tenant.api('/device-imports'), { method: 'POST', token: tenant.admin, json });

    it('saves the good rows and reports each bad row by its field, in order, with licences respected', async () => {
      const tenant = await newTenant(4);
      await register(tenant, 'existing');
      const rows: unknown[] = [
        await row('imp-00'),
        { ...(await row('imp-01')), disk: { container, blob: 'no-such-disk.vhd' } },
        { ...(await row('imp-02')), primaryRegion: 'australiaeast' },
        await row('imp-03', { policyId: 'no-such-policy' }),
        await row('imp-04', { upn: 'not-a-upn' }),
        await row('existing'),
        await row('imp-06', {}, 'northeurope').then((r) => ({ ...r, policyId: 'west' })),
        await row('imp-07'),
        { ...(await row('imp-08')), owner: 'me' },
        await row('imp-09'),
        await row('imp-10', { priorityTier: 0 }),
        { ...(await row('imp-11')), id: 'has space' },
        await row('imp-12', { policyId: 'west' }),
        42,
        { ...(await row('imp-14')), id: undefined },
      ];
      const before = await call(tenant.api('/devices/existing'), { token: tenant.admin });
      const response = await importInto(tenant, { devices: rows });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ created: 4, failed: 11 });
      const results = response.body.results as { index: number; id?: string; outcome: string; licensed?: boolean; errors?: { field: string }[] }[];
      expect(results.map((r) => r.index)).toEqual(rows.map((_, i) => i));
      const failedField = (i: number) => results[i]!.errors?.map((e) => e.field);
      const expectedFailures: Record<number, string> = {
        1: 'body.devices.1.disk',
        2: 'body.devices.2.primaryRegion',
        3: 'body.devices.3.policyId',
        4: 'body.devices.4.upn',
        5: 'body.devices.5.id',
        8: 'body.devices.8.owner',
        10: 'body.devices.10.priorityTier',
        11: 'body.devices.11.id',
        12: 'body.devices.12.policyId',
        13: 'body.devices.13',
        14: 'body.devices.14.id',
      };
      for (const [i, field] of Object.entries(expectedFailures)) {
        expect(results[Number(i)]!.outcome, `row ${i}`).toBe('failed');
        expect(failedField(Number(i)), `row ${i}`).toContain(field);
      }
      const createdRows = [0, 6, 7, 9];
      for (const i of createdRows) expect(results[i], `row ${i}`).toMatchObject({ outcome: 'created', id: rows[i] && (rows[i] as { id: string }).id });
      // Four licences: "existing" holds one, so three of the four new devices get one.
      expect(createdRows.filter((i) => results[i]!.licensed === true)).toHaveLength(3);

      for (const i of createdRows) {
        const id = (rows[i] as { id: string }).id;
        const device = await call(tenant.api(`/devices/${id}`), { token: tenant.admin });
        expect(device.status, id).toBe(200);
        expect(device.body.licensed).toBe(results[i]!.licensed);
        expect(device.body.status).toBe(results[i]!.licensed ? 'not-yet-protected' : 'unlicensed');
      }
      expect((await call(tenant.api('/devices/imp-06'), { token: tenant.admin })).body).toMatchObject({ primaryRegion: 'northeurope', backupRegion: 'westeurope' });
      for (const id of ['imp-01', 'imp-02', 'imp-03', 'imp-04', 'imp-08', 'imp-10', 'imp-12', 'imp-14']) {
        expect((await call(tenant.api(`/devices/${id}`), { token: tenant.admin })).status, id).toBe(404);
      }
      // The existing device is untouched by its failed row.
      expect((await call(tenant.api('/devices/existing'), { token: tenant.admin })).body).toEqual(before.body);
      expect(ids((await call(tenant.api('/devices'), { token: tenant.admin })).body.items)).toEqual(['existing', 'imp-00', 'imp-06', 'imp-07', 'imp-09']);
    });

    it('refuses repeated ids (400) naming each repeated row, and saves nothing', async () => {
      const rows = [await row('dup-a'), await row('dup-b'), await row('dup-a'), await row('dup-c'), await row('dup-b'), await row('dup-a')];
      const response = await expectRefused(() => importInto(main, { devices: rows }), 400);
      expect(fields(response).sort()).toEqual(['body.devices.2.id', 'body.devices.4.id', 'body.devices.5.id']);
      for (const id of ['dup-a', 'dup-b', 'dup-c']) expect((await call(main.api(`/devices/${id}`), { token: main.admin })).status).toBe(404);
    });

    it('keeps licences across an import of more devices than licences', async () => {
      const tenant = await newTenant(5);
      const rows = await Promise.all(Array.from({ length: 12 }, (_, i) => row(`many-${String(i).padStart(2, '0')}`)));
      const response = await importInto(tenant, { devices: rows });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ created: 12, failed: 0 });
      expect(response.body.results.filter((r: { licensed: boolean }) => r.licensed)).toHaveLength(5);
      const listed = (await call(tenant.api('/devices'), { token: tenant.admin })).body.items;
      expect(listed).toHaveLength(12);
      expect(listed.filter((d: { licensed: boolean }) => d.licensed)).toHaveLength(5);
      expect((await register(tenant, 'many-late')).body.licensed).toBe(false);
    });

    it.each<[string, () => unknown, string]>([
      ['more than 10,000 rows', () => ({ devices: Array.from({ length: 10_001 }, () => ({})) }), 'body.devices'],
      ['an empty list', () => ({ devices: [] }), 'body.devices'],
      ['no list', () => ({}), 'body.devices'],
      ['a list that is not an array', () => ({ devices: { id: 'x' } }), 'body.devices'],
      ['an unknown field', () => ({ devices: [{}], dryRun: true }), 'body.dryRun'],
    ])('refuses %s (400) naming %s, saving nothing', async (_what, body, field) => {
      await expectRefused(() => importInto(main, body()), 400, field);
    });
  });

  describe('restore points', () => {
    it('lists none for a new device', async () => {
      await register(main, 'rp-new');
      const response = await call(main.api('/devices/rp-new/restore-points'), { token: await env.token(main.id, ['DR.Reader']) });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [] });
    });

    it('accepts a manual restore point from DR.Operator (202) with its name and time', async () => {
      const before = Date.now();
      const response = await call(main.api('/devices/rp-new/restore-points'), { method: 'POST', token: await env.token(main.id, ['DR.Operator']) });
      expect(response.status, response.text).toBe(202);
      const takenAt = Date.parse(response.body.takenAt);
      expect(new Date(takenAt).toISOString()).toBe(response.body.takenAt);
      expect(takenAt % 1000).toBe(0);
      expect(takenAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(takenAt).toBeLessThanOrEqual(Date.now());
      expect(response.body.name).toBe(restorePointName('rp-new', new Date(takenAt)));
    });

    it('refuses a manual restore point without a token (401), from DR.Reader (403) and for an unknown device (404)', async () => {
      await expectRefused(() => call(main.api('/devices/rp-new/restore-points'), { method: 'POST' }), 401);
      const reader = await env.token(main.id, ['DR.Reader']);
      await expectRefused(() => call(main.api('/devices/rp-new/restore-points'), { method: 'POST', token: reader }), 403);
      const operator = await env.token(main.id, ['DR.Operator']);
      await expectRefused(() => call(main.api('/devices/no-such-device/restore-points'), { method: 'POST', token: operator }), 404);
      expect((await call(main.api('/devices/no-such-device/restore-points'), { token: operator })).status).toBe(404);
    });

    it('refuses a manual restore point for an unlicensed device (400)', async () => {
      const tenant = await newTenant(0);
      expect((await register(tenant, 'rp-unlicensed')).body.licensed).toBe(false);
      const operator = await env.token(tenant.id, ['DR.Operator']);
      const response = await expectRefused(() => call(tenant.api('/devices/rp-unlicensed/restore-points'), { method: 'POST', token: operator }), 400, 'path.deviceId');
      expect(response.body.errors[0].reason).toMatch(/licen/);
    });

    it('refuses a manual restore point for a device under a disabled policy (400)', async () => {
      await register(main, 'rp-disabled', { policyId: 'off' });
      const operator = await env.token(main.id, ['DR.Operator']);
      const response = await expectRefused(() => call(main.api('/devices/rp-disabled/restore-points'), { method: 'POST', token: operator }), 400, 'path.deviceId');
      expect(response.body.errors[0].reason).toMatch(/disabled/);
    });
  });
});
