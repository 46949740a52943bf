/**
 * The devices API end to end against the Cosmos emulator and Azurite: registration with real disks,
 * licences (also under concurrency), filtered and paged listing, bulk import with a result per row,
 * manual restore points, and every refusal naming its field with nothing written.
 *
 * One tenant for the whole file: the embedded emulator runs queries and patch conditions across
 * every partition of a container, so a second tenant in the same database would leak into lists
 * and licence counts. Licence scenarios lower the tenant's licences to what they need instead.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installedStores } from '../../src/compositionRoot';
import { restorePointName } from '../../src/domain/restorePoint';
import { createDisk, regionBlobService } from '../support/disks';
import { diskScope, provisionTenant } from '../support/tenants';
import { call, type TestResponse } from '../support/http';
import { expectRefused, fields } from '../support/refusals';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const hour = 3_600_000;

const ids = (items: { id: string }[]): string[] => items.map((d) => d.id);

interface DeviceRow {
  id: string;
  policyId: string;
  primaryRegion: string;
  priorityTier: number;
  licensed: boolean;
  status: string;
}

interface Tenant {
  id: string;
  admin: string;
  api(path?: string): string;
}

describe('devices API', () => {
  let env: TestEnvironment;
  let main: Tenant;
  const container = `dev-${randomBytes(6).toString('hex')}`;
  const plenty = 1000;
  // Both regions allowed: a policy may back up to westeurope, so backup-equals-primary is reachable.
  // The file's one tenant has its disk container in both regions as its disk scopes.
  const entitlement = {
    allowedBackupRegions: ['northeurope', 'westeurope'],
    diskScopes: [diskScope(container), diskScope(container, undefined, 'northeurope')],
  };

  async function createTenant(licences: number): Promise<Tenant> {
    const id = randomUUID();
    const tenant: Tenant = {
      id,
      admin: await env.token(id, ['DR.Admin']),
      api: (path = '') => `${env.baseUrl}/tenants/${id}${path}`,
    };
    await provisionTenant(env, id, { ...entitlement, licences });
    await put(tenant, '/policies/std', { name: 'Standard', backupRegion: 'northeurope', rpoHours: 4 });
    await put(tenant, '/policies/west', { name: 'To West Europe', backupRegion: 'westeurope', rpoHours: 4 });
    await put(tenant, '/policies/off', {
      name: 'Paused',
      backupRegion: 'northeurope',
      rpoHours: 4,
      enabled: false,
    });
    return tenant;
  }

  async function put(tenant: Tenant, path: string, json: unknown): Promise<TestResponse> {
    const response = await call(tenant.api(path), { method: 'PUT', token: tenant.admin, json });
    expect(response.status, response.text).toBeLessThan(300);
    return response;
  }

  /** A device body whose disk exists in `primaryRegion`. */
  async function deviceBody(
    id: string,
    overrides: Record<string, unknown> = {},
    primaryRegion = 'westeurope',
  ): Promise<Record<string, unknown>> {
    await createDisk(regionBlobService(env.settings, primaryRegion), container, `${id}.vhd`, 512);
    return {
      upn: `${id}@contoso.test`,
      primaryRegion,
      disk: { container, blob: `${id}.vhd` },
      policyId: 'std',
      priorityTier: 2,
      ...overrides,
    };
  }

  async function register(
    tenant: Tenant,
    id: string,
    overrides: Record<string, unknown> = {},
    primaryRegion = 'westeurope',
  ): Promise<TestResponse> {
    const response = await call(tenant.api(`/devices/${id}`), {
      method: 'PUT',
      token: tenant.admin,
      json: await deviceBody(id, overrides, primaryRegion),
    });
    expect(response.status, response.text).toBe(201);
    return response;
  }

  /** Every device of the tenant, walking all pages; `filter` is more query, starting with `&`. */
  async function allDevices(filter = ''): Promise<DeviceRow[]> {
    const devices: DeviceRow[] = [];
    let token: string | undefined;
    do {
      const response = await call(
        main.api(
          `/devices?pageSize=1000${filter}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
        ),
        { token: main.admin },
      );
      expect(response.status, response.text).toBe(200);
      devices.push(...(response.body.items as DeviceRow[]));
      token = response.body.continuationToken;
    } while (token);
    return devices;
  }

  async function setLicences(licences: number): Promise<void> {
    await provisionTenant(env, main.id, { ...entitlement, licences });
  }

  /** Leaves exactly `free` licences (fewer licences take none away from devices that hold one). */
  async function restrictLicences(free: number): Promise<void> {
    const used = (await allDevices()).filter((d) => d.licensed).length;
    await setLicences(used + free);
  }

  /**
   * Runs `fn` with exactly `free` licences left, then gives the tenant plenty again, which licenses
   * every device left waiting: assert on unlicensed devices inside `fn`.
   */
  async function withLicences<T>(free: number, fn: () => Promise<T>): Promise<T> {
    await restrictLicences(free);
    try {
      return await fn();
    } finally {
      await setLicences(plenty);
    }
  }

  beforeAll(async () => {
    env = await startTestEnvironment();
    main = await createTenant(plenty);
  });
  afterAll(async () => await env.close());

  describe('register, read, update, delete', () => {
    it('answers 404 for a tenant that does not exist, writing nothing', async () => {
      const other = randomUUID();
      const token = await env.token(other, ['DR.Admin']);
      const json = await deviceBody('nowhere');
      await expectRefused(
        () => call(`${env.baseUrl}/tenants/${other}/devices/nowhere`, { method: 'PUT', token, json }),
        404,
      );
      expect((await call(`${env.baseUrl}/tenants/${other}/devices`, { token })).status).toBe(404);
      await expectRefused(
        () =>
          call(`${env.baseUrl}/tenants/${other}/device-imports`, {
            method: 'POST',
            token,
            json: { devices: [{ id: 'nowhere', ...json }] },
          }),
        404,
      );
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

      const read = await call(main.api('/devices/cpc-001'), {
        token: await env.token(main.id, ['DR.Reader']),
      });
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
      const created = await call(main.api('/devices/cpc-default'), {
        method: 'PUT',
        token: main.admin,
        json: body,
      });
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
      expect(updated.body).toMatchObject({
        upn: 'grace@contoso.test',
        priorityTier: 7,
        policyId: 'daily',
        rpoHours: 24,
        licensed: true,
        status: 'not-yet-protected',
      });
      expect(updated.body.createdAt).toBe(before.body.createdAt);
      expect(updated.headers.get('etag')).not.toBe(before.headers.get('etag'));
      expect(Date.parse(updated.body.nextRestorePointAt)).toBeLessThanOrEqual(Date.now() + 24 * hour);
      expect(Date.parse(updated.body.nextRestorePointAt)).toBeGreaterThan(now);
      expect((await call(main.api('/devices/cpc-001'), { token: main.admin })).body).toEqual(updated.body);
    });

    it('refuses an update with a stale If-Match (412) and keeps the newer data', async () => {
      const etag = (await call(main.api('/devices/cpc-001'), { token: main.admin })).headers.get('etag')!;
      const body = await deviceBody('cpc-001', { policyId: 'daily' });
      const first = await call(main.api('/devices/cpc-001'), {
        method: 'PUT',
        token: main.admin,
        json: { ...body, upn: 'first@contoso.test' },
        headers: { 'if-match': etag },
      });
      expect(first.status).toBe(200);
      const stale = await expectRefused(
        () =>
          call(main.api('/devices/cpc-001'), {
            method: 'PUT',
            token: main.admin,
            json: { ...body, upn: 'second@contoso.test' },
            headers: { 'if-match': etag },
          }),
        412,
      );
      expect(stale.body.code).toBe('precondition-failed');
      expect((await call(main.api('/devices/cpc-001'), { token: main.admin })).body.upn).toBe(
        'first@contoso.test',
      );
    });

    it('refuses If-Match on a device that does not exist (412), registering nothing', async () => {
      const json = await deviceBody('cpc-ghost');
      await expectRefused(
        () =>
          call(main.api('/devices/cpc-ghost'), {
            method: 'PUT',
            token: main.admin,
            json,
            headers: { 'if-match': '"x"' },
          }),
        412,
      );
      expect((await call(main.api('/devices/cpc-ghost'), { token: main.admin })).status).toBe(404);
    });

    it('deletes a device (204); it then answers 404', async () => {
      await register(main, 'cpc-gone');
      const deleted = await call(main.api('/devices/cpc-gone'), { method: 'DELETE', token: main.admin });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await call(main.api('/devices/cpc-gone'), { token: main.admin })).status).toBe(404);
      expect((await call(main.api('/devices/cpc-gone/restore-points'), { token: main.admin })).status).toBe(
        404,
      );
      expect(
        (await call(main.api('/devices/cpc-gone'), { method: 'DELETE', token: main.admin })).status,
      ).toBe(404);
    });

    it('refuses a caller without DR.Admin (403), writing nothing', async () => {
      const operator = await env.token(main.id, ['DR.Operator']);
      const json = await deviceBody('cpc-op');
      await expectRefused(
        () => call(main.api('/devices/cpc-op'), { method: 'PUT', token: operator, json }),
        403,
      );
      await expectRefused(
        () => call(main.api('/devices/cpc-001'), { method: 'DELETE', token: operator }),
        403,
      );
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
      [
        'a disk that does not exist',
        (g) => ({ ...g, disk: { container, blob: 'no-such-disk.vhd' } }),
        'body.disk',
      ],
      // Outside the tenant's disk scopes: refused before it is looked up, so whether it exists is not told.
      [
        'a disk container that does not exist',
        (g) => ({ ...g, disk: { container: 'no-such-container', blob: 'refused.vhd' } }),
        'body.disk',
      ],
      [
        'a malformed disk container',
        (g) => ({ ...g, disk: { container: 'Disks', blob: 'refused.vhd' } }),
        'body.disk.container',
      ],
      // Found by the fuzz suite: storage resolves dot segments, so `x/../y` named one blob and read
      // another, and `../..` left the container and answered 503.
      [
        'a disk blob name that climbs out of its folder',
        (g) => ({ ...g, disk: { container, blob: 'x/../refused.vhd' } }),
        'body.disk.blob',
      ],
      [
        'a disk blob name that leaves its container',
        (g) => ({ ...g, disk: { container, blob: '../../etc/passwd' } }),
        'body.disk.blob',
      ],
      [
        'a disk blob name with a backslash',
        (g) => ({ ...g, disk: { container, blob: 'x\\refused.vhd' } }),
        'body.disk.blob',
      ],
      [
        'a disk blob name with a lone surrogate',
        (g) => ({ ...g, disk: { container, blob: 'refused\ud800.vhd' } }),
        'body.disk.blob',
      ],
      [
        'a disk blob name with a NUL',
        (g) => ({ ...g, disk: { container, blob: 'refused\u0000.vhd' } }),
        'body.disk.blob',
      ],
      [
        'an unknown disk kind',
        (g) => ({ ...g, disk: { kind: 'ultraDisk', container, blob: 'refused.vhd' } }),
        'body.disk.kind',
      ],
      [
        'an unknown disk field',
        (g) => ({ ...g, disk: { container, blob: 'refused.vhd', sizeGb: 128 } }),
        'body.disk.sizeGb',
      ],
      ['a missing disk', ({ disk: _disk, ...g }) => g, 'body.disk'],
      ['an unknown policy', (g) => ({ ...g, policyId: 'no-such-policy' }), 'body.policyId'],
      ['a malformed policy id', (g) => ({ ...g, policyId: 'has space' }), 'body.policyId'],
      ['a upn without @', (g) => ({ ...g, upn: 'ada.contoso.test' }), 'body.upn'],
      ['a upn with two @', (g) => ({ ...g, upn: 'ada@contoso@test' }), 'body.upn'],
      ['a upn with a space', (g) => ({ ...g, upn: 'ada lovelace@contoso.test' }), 'body.upn'],
      ['a missing upn', ({ upn: _upn, ...g }) => g, 'body.upn'],
      // Stored with 201 before: shown as "adnim" reversed in an admin centre, cut at the NUL in logs.
      [
        'a upn with a right-to-left override and a NUL',
        (g) => ({ ...g, upn: 'ad\u202emin\u0000@contoso.test' }),
        'body.upn',
      ],
      ['a upn with a left-to-right isolate', (g) => ({ ...g, upn: '\u2066ada@contoso.test' }), 'body.upn'],
      ['a upn with a zero-width space', (g) => ({ ...g, upn: 'ada\u200b@contoso.test' }), 'body.upn'],
      ['a upn with a lone surrogate', (g) => ({ ...g, upn: 'ada\ud800@contoso.test' }), 'body.upn'],
      ['a upn with a control character', (g) => ({ ...g, upn: 'ada\u0007@contoso.test' }), 'body.upn'],
      ['priorityTier 0', (g) => ({ ...g, priorityTier: 0 }), 'body.priorityTier'],
      ['priorityTier 11', (g) => ({ ...g, priorityTier: 11 }), 'body.priorityTier'],
      ['priorityTier 1.5', (g) => ({ ...g, priorityTier: 1.5 }), 'body.priorityTier'],
      ['priorityTier as a string', (g) => ({ ...g, priorityTier: '2' }), 'body.priorityTier'],
      ['an unknown field', (g) => ({ ...g, owner: 'me' }), 'body.owner'],
      ['a licensed flag from the caller', (g) => ({ ...g, licensed: true }), 'body.licensed'],
    ])('refuses %s naming %s', async (_what, change, field) => {
      const response = await expectRefused(
        () => call(main.api('/devices/refused'), { method: 'PUT', token: main.admin, json: change(good) }),
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
        'disk-not-in-scopes',
        'unknown-policy',
      ]).toContain(response.body.code);
      expect((await call(main.api('/devices/refused'), { token: main.admin })).status).toBe(404);
    });

    it.each([
      ['a device id with a space', 'has%20space'],
      ['a 65-character device id', 'd'.repeat(65)],
      ['a device id starting with a dot', '.hidden'],
    ])('refuses %s naming path.deviceId', async (_what, id) => {
      await expectRefused(
        () => call(main.api(`/devices/${id}`), { method: 'PUT', token: main.admin, json: good }),
        400,
        'path.deviceId',
      );
      expect((await call(main.api(`/devices/${id}`), { token: main.admin })).status).toBe(400);
    });

    it('accepts a 64-character device id', async () => {
      const id = 'd'.repeat(64);
      await register(main, id);
      expect((await call(main.api(`/devices/${id}`), { method: 'DELETE', token: main.admin })).status).toBe(
        204,
      );
    });

    it('refuses a body over 256 KiB with 413', async () => {
      const response = await expectRefused(
        () =>
          call(main.api('/devices/refused'), {
            method: 'PUT',
            token: main.admin,
            json: { ...good, upn: `${'a'.repeat(300 * 1024)}@contoso.test` },
          }),
        413,
        'body',
      );
      expect(response.body.code).toBe('body-too-large');
    });

    it('refuses a body that is not JSON, or not declared as JSON', async () => {
      await expectRefused(
        () =>
          call(main.api('/devices/refused'), {
            method: 'PUT',
            token: main.admin,
            body: '{',
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'body',
      );
      await expectRefused(
        () =>
          call(main.api('/devices/refused'), {
            method: 'PUT',
            token: main.admin,
            body: JSON.stringify(good),
            headers: { 'content-type': 'text/plain' },
          }),
        415,
      );
    });

    it('refuses a DELETE with a body (400 naming body), keeping the device', async () => {
      await register(main, 'cpc-delete-body');
      const before = (await call(main.api('/devices/cpc-delete-body'), { token: main.admin })).body;
      const response = await expectRefused(
        () =>
          call(main.api('/devices/cpc-delete-body'), {
            method: 'DELETE',
            token: main.admin,
            json: { force: true },
          }),
        400,
        'body',
      );
      expect(response.body.code).toBe('validation-failed');
      expect((await call(main.api('/devices/cpc-delete-body'), { token: main.admin })).body).toEqual(before);
    });

    it('refuses bad changes to an existing device, leaving it unchanged', async () => {
      await register(main, 'cpc-keep');
      const before = (await call(main.api('/devices/cpc-keep'), { token: main.admin })).body;
      const body = await deviceBody('cpc-keep');
      const put = (json: unknown) => () =>
        call(main.api('/devices/cpc-keep'), { method: 'PUT', token: main.admin, json });
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
      await withLicences(2, async () => {
        expect((await register(main, 'lic-a')).body.licensed).toBe(true);
        expect((await register(main, 'lic-b')).body.licensed).toBe(true);
        const third = await register(main, 'lic-c');
        expect(third.body).toMatchObject({ licensed: false, status: 'unlicensed' });
        expect((await call(main.api('/devices/lic-c'), { token: main.admin })).body).toMatchObject({
          licensed: false,
          status: 'unlicensed',
        });

        // Updates neither take nor give back a licence.
        const updatedC = await call(main.api('/devices/lic-c'), {
          method: 'PUT',
          token: main.admin,
          json: await deviceBody('lic-c', { priorityTier: 9 }),
        });
        expect(updatedC.status).toBe(200);
        expect(updatedC.body).toMatchObject({ licensed: false, status: 'unlicensed', priorityTier: 9 });
        const updatedA = await call(main.api('/devices/lic-a'), {
          method: 'PUT',
          token: main.admin,
          json: await deviceBody('lic-a', { priorityTier: 9 }),
        });
        expect(updatedA.body).toMatchObject({ licensed: true, priorityTier: 9 });

        // A licensed device's removal frees its licence for the next registration.
        expect((await call(main.api('/devices/lic-a'), { method: 'DELETE', token: main.admin })).status).toBe(
          204,
        );
        expect((await register(main, 'lic-d')).body).toMatchObject({
          licensed: true,
          status: 'not-yet-protected',
        });
        // An unlicensed device's removal frees none.
        expect((await call(main.api('/devices/lic-c'), { method: 'DELETE', token: main.admin })).status).toBe(
          204,
        );
        expect((await register(main, 'lic-e')).body.licensed).toBe(false);

        const unlicensed = ids(await allDevices('&status=unlicensed'));
        expect(unlicensed).toContain('lic-e');
        expect(unlicensed).not.toContain('lic-c');
      });
      // More licences protect the device that was waiting for one.
      expect((await call(main.api('/devices/lic-e'), { token: main.admin })).body).toMatchObject({
        licensed: true,
        status: 'not-yet-protected',
      });
    });

    it('never hands out more licences than the tenant has, with 12 registrations at once for 5 licences', async () => {
      await withLicences(5, async () => {
        const names = Array.from({ length: 12 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
        const bodies = await Promise.all(names.map((id) => deviceBody(id)));
        const responses = await Promise.all(
          names.map((id, i) =>
            call(main.api(`/devices/${id}`), { method: 'PUT', token: main.admin, json: bodies[i] }),
          ),
        );
        expect(responses.map((r) => r.status)).toEqual(names.map(() => 201));
        expect(responses.filter((r) => r.body.licensed === true)).toHaveLength(5);

        const stored = (await allDevices()).filter((d) => d.id.startsWith('burst-'));
        expect(ids(stored)).toEqual(names);
        expect(stored.filter((d) => d.licensed)).toHaveLength(5);
        expect(stored.filter((d) => d.status === 'unlicensed')).toHaveLength(7);
        expect((await register(main, 'burst-late')).body.licensed).toBe(false);
      });
    });
  });

  describe('list', () => {
    const set = ['ls-n1', 'ls-n2', 'ls-w1', 'ls-w2', 'ls-w3', 'ls-w4', 'ls-w5'];
    let everything: DeviceRow[];

    beforeAll(async () => {
      await put(main, '/policies/ls-a', { name: 'List A', backupRegion: 'northeurope', rpoHours: 4 });
      await put(main, '/policies/ls-west', { name: 'List West', backupRegion: 'westeurope', rpoHours: 4 });
      await put(main, '/policies/ls-off', {
        name: 'List Off',
        backupRegion: 'northeurope',
        rpoHours: 4,
        enabled: false,
      });
      await register(main, 'ls-w1', { priorityTier: 1, policyId: 'ls-a' });
      await register(main, 'ls-w2', { priorityTier: 2, policyId: 'ls-a' });
      await register(main, 'ls-w3', { priorityTier: 1, policyId: 'ls-off' });
      await register(main, 'ls-n1', { priorityTier: 2, policyId: 'ls-west' }, 'northeurope');
      await register(main, 'ls-n2', { priorityTier: 3, policyId: 'ls-west' }, 'northeurope');
      await register(main, 'ls-w4', { priorityTier: 3, policyId: 'ls-a' });
      // Beyond the licences: stored, unlicensed, for as long as this block runs.
      await restrictLicences(0);
      await register(main, 'ls-w5', { priorityTier: 1, policyId: 'ls-a' });
      everything = await allDevices();
    });
    afterAll(async () => await setLicences(plenty));

    const list = async (query = '') => {
      const response = await call(main.api(`/devices${query}`), {
        token: await env.token(main.id, ['DR.Reader']),
      });
      expect(response.status, response.text).toBe(200);
      return response;
    };

    it('lists devices ordered by id, each with its status', async () => {
      const all = ids(everything);
      expect(all).toEqual([...all].sort());
      expect(new Set(all).size).toBe(all.length);
      expect(all).toEqual(expect.arrayContaining(set));
      const status = Object.fromEntries(
        everything.filter((d) => set.includes(d.id)).map((d) => [d.id, d.status]),
      );
      expect(status).toEqual({
        'ls-n1': 'not-yet-protected',
        'ls-n2': 'not-yet-protected',
        'ls-w1': 'not-yet-protected',
        'ls-w2': 'not-yet-protected',
        'ls-w3': 'disabled',
        'ls-w4': 'not-yet-protected',
        'ls-w5': 'unlicensed',
      });
      expect(everything.find((d) => d.id === 'ls-n1')).toMatchObject({
        primaryRegion: 'northeurope',
        backupRegion: 'westeurope',
      });
      // Below the default page size, one page holds everything.
      const { body } = await list();
      expect(ids(body.items)).toEqual(all);
      expect(body.continuationToken).toBeUndefined();
    });

    it.each<[string, (d: DeviceRow) => boolean, string[]]>([
      ['?policyId=ls-a', (d) => d.policyId === 'ls-a', ['ls-w1', 'ls-w2', 'ls-w4', 'ls-w5']],
      ['?policyId=ls-west', (d) => d.policyId === 'ls-west', ['ls-n1', 'ls-n2']],
      ['?policyId=no-such-policy', () => false, []],
      ['?primaryRegion=northeurope', (d) => d.primaryRegion === 'northeurope', ['ls-n1', 'ls-n2']],
      [
        '?primaryRegion=westeurope',
        (d) => d.primaryRegion === 'westeurope',
        ['ls-w1', 'ls-w2', 'ls-w3', 'ls-w4', 'ls-w5'],
      ],
      ['?priorityTier=1', (d) => d.priorityTier === 1, ['ls-w1', 'ls-w3', 'ls-w5']],
      ['?priorityTier=3', (d) => d.priorityTier === 3, ['ls-n2', 'ls-w4']],
      [
        '?status=not-yet-protected',
        (d) => d.status === 'not-yet-protected',
        ['ls-n1', 'ls-n2', 'ls-w1', 'ls-w2', 'ls-w4'],
      ],
      ['?status=disabled', (d) => d.status === 'disabled', ['ls-w3']],
      ['?status=unlicensed', (d) => d.status === 'unlicensed', ['ls-w5']],
      ['?status=protected', (d) => d.status === 'protected', []],
      [
        '?policyId=ls-a&priorityTier=1',
        (d) => d.policyId === 'ls-a' && d.priorityTier === 1,
        ['ls-w1', 'ls-w5'],
      ],
      [
        '?primaryRegion=westeurope&status=not-yet-protected&priorityTier=3',
        (d) => d.primaryRegion === 'westeurope' && d.status === 'not-yet-protected' && d.priorityTier === 3,
        ['ls-w4'],
      ],
    ])('filters %s', async (query, matches, fromSet) => {
      const found = ids((await list(query)).body.items);
      expect(found).toEqual(ids(everything.filter(matches)));
      expect(found.filter((id) => set.includes(id))).toEqual(fromSet);
    });

    it.each([
      ['', 1],
      ['', 2],
      ['', 7],
      ['&policyId=ls-a', 3],
      ['&priorityTier=1', 2],
      ['&status=not-yet-protected', 4],
    ])('walks every page%s with pageSize %i: none missed, none repeated', async (filter, pageSize) => {
      const expected = ids(await allDevices(filter));
      expect(expected.length).toBeGreaterThan(pageSize);
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
      // Found by the fuzz suite: decoded into the Cosmos DB request's header, this answered 500.
      [
        `?continuationToken=${Buffer.from('{"token":"\u20ac"}').toString('base64url')}`,
        'query.continuationToken',
      ],
      // Found by the fuzz suite: the key set the query object's prototype and went unnoticed.
      ['?__proto__=1', 'query.__proto__'],
      ['?pageSize=0', 'query.pageSize'],
      ['?pageSize=1001', 'query.pageSize'],
      ['?pageSize=ten', 'query.pageSize'],
      // What `Number()` would have read as 0, 16, 100, 5 and 2: digits only.
      ['?pageSize=', 'query.pageSize'],
      ['?pageSize=0x10', 'query.pageSize'],
      ['?pageSize=1e2', 'query.pageSize'],
      ['?pageSize=%205', 'query.pageSize'],
      ['?priorityTier=2.0', 'query.priorityTier'],
      ['?priorityTier=11', 'query.priorityTier'],
      ['?status=fine', 'query.status'],
      ['?primaryRegion=West%20Europe', 'query.primaryRegion'],
      ['?policyId=has%20space', 'query.policyId'],
      ['?sort=id', 'query.sort'],
    ])('refuses %s naming %s', async (query, field) => {
      await expectRefused(() => call(main.api(`/devices${query}`), { token: main.admin }), 400, field);
    });
  });

  describe('bulk import', () => {
    const row = async (id: string, overrides: Record<string, unknown> = {}, region = 'westeurope') => ({
      id,
      ...(await deviceBody(id, overrides, region)),
    });
    const importDevices = (json: unknown) =>
      call(main.api('/device-imports'), { method: 'POST', token: main.admin, json });

    it('saves the good rows and reports each bad row by its field, in order, with licences respected', async () => {
      await register(main, 'imp-existing');
      const rows: unknown[] = [
        await row('imp-00'),
        { ...(await row('imp-01')), disk: { container, blob: 'no-such-disk.vhd' } },
        { ...(await row('imp-02')), primaryRegion: 'australiaeast' },
        await row('imp-03', { policyId: 'no-such-policy' }),
        await row('imp-04', { upn: 'not-a-upn' }),
        await row('imp-existing'),
        await row('imp-06', { policyId: 'west' }, 'northeurope'),
        await row('imp-07'),
        { ...(await row('imp-08')), owner: 'me' },
        await row('imp-09'),
        await row('imp-10', { priorityTier: 0 }),
        { ...(await row('imp-11')), id: 'has space' },
        await row('imp-12', { policyId: 'west' }),
        42,
        { ...(await row('imp-14')), id: undefined },
      ];
      const existing = await call(main.api('/devices/imp-existing'), { token: main.admin });
      // Three licences free for four good rows.
      await withLicences(3, async () => {
        const response = await importDevices({ devices: rows });
        expect(response.status, response.text).toBe(200);
        expect(response.body).toMatchObject({ created: 4, failed: 11 });
        const results = response.body.results as {
          index: number;
          id?: string;
          outcome: string;
          licensed?: boolean;
          errors?: { field: string }[];
        }[];
        expect(results.map((r) => r.index)).toEqual(rows.map((_, i) => i));
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
          expect(
            results[Number(i)]!.errors?.map((e) => e.field),
            `row ${i}`,
          ).toContain(field);
        }
        const createdRows = [0, 6, 7, 9];
        for (const i of createdRows)
          expect(results[i], `row ${i}`).toMatchObject({
            outcome: 'created',
            id: (rows[i] as { id: string }).id,
          });
        expect(createdRows.filter((i) => results[i]!.licensed === true)).toHaveLength(3);

        for (const i of createdRows) {
          const id = (rows[i] as { id: string }).id;
          const device = await call(main.api(`/devices/${id}`), { token: main.admin });
          expect(device.status, id).toBe(200);
          expect(device.body.licensed).toBe(results[i]!.licensed);
          expect(device.body.status).toBe(results[i]!.licensed ? 'not-yet-protected' : 'unlicensed');
        }
        expect((await call(main.api('/devices/imp-06'), { token: main.admin })).body).toMatchObject({
          primaryRegion: 'northeurope',
          backupRegion: 'westeurope',
        });
        for (const id of ['imp-01', 'imp-02', 'imp-03', 'imp-04', 'imp-08', 'imp-10', 'imp-12', 'imp-14']) {
          expect((await call(main.api(`/devices/${id}`), { token: main.admin })).status, id).toBe(404);
        }
        // The existing device is untouched by its failed row.
        expect((await call(main.api('/devices/imp-existing'), { token: main.admin })).body).toEqual(
          existing.body,
        );
        expect(ids(await allDevices()).filter((id) => id.startsWith('imp-'))).toEqual([
          'imp-00',
          'imp-06',
          'imp-07',
          'imp-09',
          'imp-existing',
        ]);
      });
    });

    it('fails each row whose upn hides characters, naming body.devices.N.upn, and saves none of them', async () => {
      const rows = [
        await row('imp-hidden-0', { upn: 'ad\u202emin\u0000@contoso.test' }),
        await row('imp-hidden-1', { upn: 'ada\u200b@contoso.test' }),
        await row('imp-hidden-2', { upn: '\u2067ada@contoso.test' }),
      ];
      const before = await stateSnapshot();
      const response = await importDevices({ devices: rows });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ created: 0, failed: 3 });
      for (const [i, result] of (response.body.results as { errors?: { field: string }[] }[]).entries())
        expect(
          result.errors?.map((e) => e.field),
          `row ${i}`,
        ).toEqual([`body.devices.${i}.upn`]);
      expect(await stateSnapshot()).toEqual(before);
    });

    it('refuses repeated ids (400) naming each repeated row, and saves nothing', async () => {
      const rows = [
        await row('dup-a'),
        await row('dup-b'),
        await row('dup-a'),
        await row('dup-c'),
        await row('dup-b'),
        await row('dup-a'),
      ];
      const response = await expectRefused(() => importDevices({ devices: rows }), 400);
      expect(fields(response).sort()).toEqual([
        'body.devices.2.id',
        'body.devices.4.id',
        'body.devices.5.id',
      ]);
      for (const id of ['dup-a', 'dup-b', 'dup-c'])
        expect((await call(main.api(`/devices/${id}`), { token: main.admin })).status).toBe(404);
    });

    it('never hands out more licences than are free, importing more devices than that', async () => {
      const rows = await Promise.all(
        Array.from({ length: 12 }, (_, i) => row(`many-${String(i).padStart(2, '0')}`)),
      );
      await withLicences(5, async () => {
        const response = await importDevices({ devices: rows });
        expect(response.status, response.text).toBe(200);
        expect(response.body).toMatchObject({ created: 12, failed: 0 });
        expect(response.body.results.filter((r: { licensed: boolean }) => r.licensed)).toHaveLength(5);
        const stored = (await allDevices()).filter((d) => d.id.startsWith('many-'));
        expect(stored).toHaveLength(12);
        expect(stored.filter((d) => d.licensed)).toHaveLength(5);
        expect(stored.filter((d) => d.status === 'unlicensed')).toHaveLength(7);
      });
    });

    it.each<[string, () => unknown, string]>([
      [
        'more than 10,000 rows',
        () => ({ devices: Array.from({ length: 10_001 }, () => ({})) }),
        'body.devices',
      ],
      ['an empty list', () => ({ devices: [] }), 'body.devices'],
      ['no list', () => ({}), 'body.devices'],
      ['a list that is not an array', () => ({ devices: { id: 'x' } }), 'body.devices'],
      ['an unknown field', () => ({ devices: [{}], dryRun: true }), 'body.dryRun'],
    ])('refuses %s (400) naming %s, saving nothing', async (_what, body, field) => {
      await expectRefused(() => importDevices(body()), 400, field);
    });

    it('refuses an import body over 8 MiB with 413, saving nothing', async () => {
      const response = await expectRefused(
        () => importDevices({ devices: ['x'.repeat(9 * 1024 * 1024)] }),
        413,
        'body',
      );
      expect(response.body.code).toBe('body-too-large');
    });
  });

  describe('restore points', () => {
    it('lists none for a new device', async () => {
      await register(main, 'rp-new');
      const response = await call(main.api('/devices/rp-new/restore-points'), {
        token: await env.token(main.id, ['DR.Reader']),
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [] });
    });

    it('accepts a manual restore point from DR.Operator (202) with its name and time', async () => {
      const before = Date.now();
      const response = await call(main.api('/devices/rp-new/restore-points'), {
        method: 'POST',
        token: await env.token(main.id, ['DR.Operator']),
      });
      expect(response.status, response.text).toBe(202);
      const takenAt = Date.parse(response.body.takenAt);
      expect(new Date(takenAt).toISOString()).toBe(response.body.takenAt);
      expect(takenAt % 1000).toBe(0);
      expect(takenAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(takenAt).toBeLessThanOrEqual(Date.now());
      expect(response.body.name).toBe(restorePointName(main.id, 'rp-new', new Date(takenAt)));
      expect(response.body.name).toMatch(new RegExp(`^${main.id.toLowerCase()}/rp-new/\\d{13}$`));
    });

    it('refuses a manual restore point without a token (401), from DR.Reader (403) and for an unknown device (404)', async () => {
      await expectRefused(() => call(main.api('/devices/rp-new/restore-points'), { method: 'POST' }), 401);
      const reader = await env.token(main.id, ['DR.Reader']);
      await expectRefused(
        () => call(main.api('/devices/rp-new/restore-points'), { method: 'POST', token: reader }),
        403,
      );
      const operator = await env.token(main.id, ['DR.Operator']);
      await expectRefused(
        () => call(main.api('/devices/no-such-device/restore-points'), { method: 'POST', token: operator }),
        404,
      );
      expect(
        (await call(main.api('/devices/no-such-device/restore-points'), { token: operator })).status,
      ).toBe(404);
    });

    // Answered 202 before, ignoring the time the caller asked for.
    it('refuses a manual restore point with a body (400 naming body), requesting none', async () => {
      const operator = await env.token(main.id, ['DR.Operator']);
      const send = vi.spyOn(installedStores().queue, 'send');
      try {
        const response = await expectRefused(
          () =>
            call(main.api('/devices/rp-new/restore-points'), {
              method: 'POST',
              token: operator,
              json: { takenAt: '1999-01-01T00:00:00Z' },
            }),
          400,
          'body',
        );
        expect(response.body).toMatchObject({
          code: 'validation-failed',
          errors: [{ field: 'body', reason: 'must be empty: this operation takes no body' }],
        });
        expect(send).not.toHaveBeenCalled();
        // The same request with whitespace for a body is one without: it is queued.
        const accepted = await call(main.api('/devices/rp-new/restore-points'), {
          method: 'POST',
          token: operator,
          body: ' \r\n',
        });
        expect(accepted.status, accepted.text).toBe(202);
        expect(send).toHaveBeenCalledTimes(1);
      } finally {
        send.mockRestore();
      }
    });

    it('refuses a manual restore point for an unlicensed device (400)', async () => {
      const operator = await env.token(main.id, ['DR.Operator']);
      await withLicences(0, async () => {
        expect((await register(main, 'rp-unlicensed')).body.licensed).toBe(false);
        const response = await expectRefused(
          () => call(main.api('/devices/rp-unlicensed/restore-points'), { method: 'POST', token: operator }),
          400,
          'path.deviceId',
        );
        expect(response.body.errors[0].reason).toMatch(/licen/);
      });
    });

    it('refuses a manual restore point for a device under a disabled policy (400)', async () => {
      await register(main, 'rp-disabled', { policyId: 'off' });
      const operator = await env.token(main.id, ['DR.Operator']);
      const response = await expectRefused(
        () => call(main.api('/devices/rp-disabled/restore-points'), { method: 'POST', token: operator }),
        400,
        'path.deviceId',
      );
      expect(response.body.errors[0].reason).toMatch(/disabled/);
    });
  });
});
