/**
 * Tenants: the platform (DR.PlatformAdmin of the deployment's home tenant) creates them and sets
 * their licences and disk scopes; a tenant's own admin reads them and changes name and regions.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformRole } from '../../src/domain/roles';
import { call } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { diskScope, platformToken, putEntitlement } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('tenants API', () => {
  let env: TestEnvironment;
  let admin: string;
  let platform: string;
  const tenantId = randomUUID();
  const url = () => `${env.baseUrl}/tenants/${tenantId}`;
  const platformUrl = (id: string = tenantId) => `${env.baseUrl}/platform/tenants/${id}`;
  const settings = { name: 'Contoso', allowedBackupRegions: ['northeurope'] };
  const valid = { ...settings, licences: 100, diskScopes: [diskScope('disks', tenantId)] };

  beforeAll(async () => {
    env = await startTestEnvironment();
    admin = await env.token(tenantId, ['DR.Admin']);
    platform = await platformToken(env);
  });
  afterAll(async () => await env.close());

  it('answers 404 for a tenant not yet created', async () => {
    const response = await call(url(), { token: admin });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not-found', status: 404 });
    expect(response.body.correlationId).toBe(response.headers.get('x-correlation-id'));
  });

  it("does not let a tenant's own admin create its tenant, set licences or grant itself disk scopes", async () => {
    const before = await stateSnapshot();
    // Its own route changes an existing tenant only.
    expect((await call(url(), { method: 'PUT', token: admin, json: settings })).status).toBe(404);
    // Licences and scopes are not fields of its route at all.
    const withLicences = await call(url(), {
      method: 'PUT',
      token: admin,
      json: { ...settings, licences: 5 },
    });
    expect(withLicences.status).toBe(400);
    expect(withLicences.body.errors.map((e: { field: string }) => e.field)).toContain('body.licences');
    // And the platform's route refuses it, with every tenant role.
    const asTenant = await env.token(tenantId, ['DR.Reader', 'DR.Operator', 'DR.Admin']);
    const refused = await call(platformUrl(), { method: 'PUT', token: asTenant, json: valid });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect(await stateSnapshot()).toEqual(before);
  });

  it('refuses DR.PlatformAdmin in a token of any tenant but the home tenant (403)', async () => {
    const before = await stateSnapshot();
    // A customer's admin can assign any app role of a multi-tenant app to its own users.
    for (const tid of [tenantId, randomUUID()]) {
      const forged = await env.token(tid, [PlatformRole, 'DR.Admin']);
      expect((await call(platformUrl(), { method: 'PUT', token: forged, json: valid })).status).toBe(403);
      expect((await call(platformUrl(), { token: forged })).status).toBe(403);
    }
    // The home tenant without the role is refused too.
    const home = await env.token(env.settings.PLATFORM_TENANT_ID!, ['DR.Admin']);
    expect((await call(platformUrl(), { method: 'PUT', token: home, json: valid })).status).toBe(403);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('lets the platform create with PUT (201), the tenant read it, and the platform replace it (200)', async () => {
    const created = await call(platformUrl(), { method: 'PUT', token: platform, json: valid });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ id: tenantId, ...valid });
    expect(created.headers.get('etag')).toBeTruthy();

    const read = await call(url(), { token: await env.token(tenantId, ['DR.Reader']) });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await call(platformUrl(), {
      method: 'PUT',
      token: platform,
      json: { ...valid, licences: 250 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.licences).toBe(250);
    expect(updated.body.createdAt).toBe(created.body.createdAt);
    expect(updated.headers.get('etag')).not.toBe(created.headers.get('etag'));
    expect((await call(platformUrl(), { token: platform })).body).toEqual(updated.body);
  });

  it("lets the tenant's admin change its name and regions, keeping licences and scopes", async () => {
    const changed = await call(url(), {
      method: 'PUT',
      token: admin,
      json: { ...settings, name: 'Contoso Ltd' },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Contoso Ltd', licences: 250, diskScopes: valid.diskScopes });
  });

  it("gives the platform admin no right on a tenant's data", async () => {
    // Its token is of the home tenant: another tenant's routes answer as if nothing were there.
    for (const path of ['', '/devices', '/audit', '/compliance']) {
      expect((await call(`${url()}${path}`, { token: platform })).status).toBe(404);
    }
    // Even where the home tenant is itself protected, the platform role is no tenant role.
    const home = env.settings.PLATFORM_TENANT_ID!;
    expect((await call(`${env.baseUrl}/tenants/${home}/devices`, { token: platform })).status).toBe(403);
  });

  // Found by the fuzz suite: the upper-case spelling passed the tenant check and made a second tenant.
  it('takes the tenant id in any case as the same tenant', async () => {
    const before = await stateSnapshot();
    const updated = await call(platformUrl(tenantId.toUpperCase()), {
      method: 'PUT',
      token: platform,
      json: { ...valid, licences: 250 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(tenantId);
    const upper = `${env.baseUrl}/tenants/${tenantId.toUpperCase()}`;
    expect((await call(upper, { token: admin })).body.id).toBe(tenantId);
    expect((await stateSnapshot())['tenants']!.map((t: any) => t.id)).toEqual(
      before['tenants']!.map((t: any) => t.id),
    );
  });

  it('refuses an update with a stale If-Match (412) and keeps the newer data', async () => {
    const etag = (await call(url(), { token: admin })).headers.get('etag')!;
    const first = await call(url(), {
      method: 'PUT',
      token: admin,
      json: { ...settings, name: 'First' },
      headers: { 'if-match': etag },
    });
    expect(first.status).toBe(200);
    for (const [target, token, json] of [
      [url(), admin, { ...settings, name: 'Second' }],
      [platformUrl(), platform, { ...valid, name: 'Second' }],
    ] as const) {
      // Found by the fuzz suite: the platform's refusal rewrote the registry of claims before.
      const before = await stateSnapshot();
      const stale = await call(target, { method: 'PUT', token, json, headers: { 'if-match': etag } });
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('precondition-failed');
      expect(await stateSnapshot()).toEqual(before);
    }
    expect((await call(url(), { token: admin })).body.name).toBe('First');
  });

  it('refuses If-Match on a tenant that does not exist (412), creating nothing', async () => {
    const other = randomUUID();
    const response = await putEntitlement(env, other, { licences: 1 }, { 'if-match': '"anything"' });
    expect(response.status).toBe(412);
    expect((await call(platformUrl(other), { token: platform })).status).toBe(404);
  });

  it.each<[string, unknown, string]>([
    ['a missing name', { licences: 1, allowedBackupRegions: ['northeurope'] }, 'body.name'],
    ['negative licences', { ...valid, licences: -1 }, 'body.licences'],
    ['fractional licences', { ...valid, licences: 1.5 }, 'body.licences'],
    [
      'a malformed region',
      { ...valid, allowedBackupRegions: ['North Europe'] },
      'body.allowedBackupRegions.0',
    ],
    [
      'a repeated region',
      { ...valid, allowedBackupRegions: ['northeurope', 'northeurope'] },
      'body.allowedBackupRegions',
    ],
    [
      'a region without storage here',
      { ...valid, allowedBackupRegions: ['northeurope', 'australiaeast'] },
      'body.allowedBackupRegions.1',
    ],
    ['an unknown field', { ...valid, owner: 'me' }, 'body.owner'],
    ['an overlong name', { ...valid, name: 'x'.repeat(300) }, 'body.name'],
    [
      'a scope in a region without storage here',
      { ...valid, diskScopes: [diskScope('disks', 'x', 'australiaeast')] },
      'body.diskScopes.0.region',
    ],
    ...[
      'restore-points',
      'restore-bases',
      'temporary-devices',
      'simulated-compute',
      'azure-webjobs-hosts',
    ].map(
      (container) =>
        [
          `the product's own container ${container}`,
          { ...valid, diskScopes: [diskScope(container)] },
          'body.diskScopes.0.container',
        ] as [string, unknown, string],
    ),
    [
      // The test environment's task hub is the embedded runtime's, `clouddrlocal`.
      "the task hub's containers",
      { ...valid, diskScopes: [diskScope('clouddrlocal-leases')] },
      'body.diskScopes.0.container',
    ],
    [
      'a prefix with a `..` segment',
      { ...valid, diskScopes: [diskScope('disks', 'a/../b')] },
      'body.diskScopes.0.prefix',
    ],
    [
      'a malformed ARM scope',
      { ...valid, diskScopes: [{ kind: 'managedDisk', armScope: '/subscriptions/x/resourceGroups/rg' }] },
      'body.diskScopes.0.armScope',
    ],
    [
      'two scopes of its own that overlap',
      { ...valid, diskScopes: [diskScope('disks', 'a'), diskScope('disks', 'a/b')] },
      'body.diskScopes.1',
    ],
  ])('refuses %s with 400 naming %s, and writes nothing', async (_what, body, field) => {
    const before = await stateSnapshot();
    const response = await call(platformUrl(), { method: 'PUT', token: platform, json: body });
    expect(response.status, response.text).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await stateSnapshot()).toEqual(before);
  });

  it("refuses a tenant id that is not a GUID with 404 (it cannot be the caller's tenant)", async () => {
    const response = await call(`${env.baseUrl}/tenants/not-a-guid`, { token: admin });
    expect(response.status).toBe(404);
  });

  describe("disk scopes never overlap another tenant's", () => {
    const subscription = '/subscriptions/6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
    const group = (name: string) => ({
      kind: 'managedDisk',
      armScope: `${subscription}/resourceGroups/${name}`,
    });

    async function grant(id: string, diskScopes: unknown[]) {
      return await call(platformUrl(id), {
        method: 'PUT',
        token: platform,
        json: { name: 'T', licences: 1, allowedBackupRegions: ['northeurope'], diskScopes },
      });
    }

    it.each([
      ['the same resource group in another case', group('rg-a'), group('RG-A')],
      ['its subscription', group('rg-b'), { kind: 'managedDisk', armScope: subscription.toUpperCase() }],
      ['the same container', diskScope('shared'), diskScope('shared')],
      ['a prefix inside a whole container', diskScope('whole'), diskScope('whole', 'inside')],
      ['a prefix under its prefix', diskScope('nest', 'a'), diskScope('nest', 'a/b')],
    ])('refuses %s with 409, leaving the second tenant as it was', async (_what, first, second) => {
      const [a, b] = [randomUUID(), randomUUID()];
      expect((await grant(a, [first])).status).toBe(201);
      const before = await stateSnapshot();
      const refused = await grant(b, [second]);
      expect(refused.status, refused.text).toBe(409);
      expect(refused.body.code).toBe('disk-scope-overlap');
      expect(await stateSnapshot()).toEqual(before);
    });

    it.each([
      ['resource groups whose names share a beginning', group('rg-c'), group('rg-cd')],
      ['prefixes that share a beginning but not a segment', diskScope('pre', 't1'), diskScope('pre', 't10')],
      ['one container in two regions', diskScope('regions'), diskScope('regions', undefined, 'northeurope')],
    ])('allows %s', async (_what, first, second) => {
      expect((await grant(randomUUID(), [first])).status).toBe(201);
      expect((await grant(randomUUID(), [second])).status).toBe(201);
    });

    it('gives a scope to exactly one of two tenants claiming it at once', async () => {
      const claimants = Array.from({ length: 4 }, () => randomUUID());
      const answers = await Promise.all(claimants.map((id) => grant(id, [diskScope('contested')])));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
      const winner = claimants[answers.findIndex((a) => a.status === 201)]!;
      for (const id of claimants) {
        const read = await call(platformUrl(id), { token: platform });
        if (id === winner) expect(read.body.diskScopes).toEqual([diskScope('contested')]);
        else expect(read.status).toBe(404);
      }
    });

    it('frees a scope the platform takes away for another tenant to have', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      expect((await grant(a, [diskScope('moving', 'x')])).status).toBe(201);
      expect((await grant(b, [diskScope('moving', 'x')])).status).toBe(409);
      expect((await grant(a, [])).status).toBe(200);
      expect((await grant(b, [diskScope('moving', 'x')])).status).toBe(201);
      expect((await grant(a, [diskScope('moving', 'x/y')])).status).toBe(409);
    });
  });
});
