/**
 * The auth matrix over every registered route that needs a token: no token, expired, wrong
 * audience, wrong issuer, bad signature, wrong tenant, and each role. State is unchanged after
 * every refusal. A new route joins the matrix by being registered.
 */
import { generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadLocalSigningKey, signLocalToken } from '../../src/adapters/local-issuer/localIssuer';
import { PlatformRole, Roles, type Role } from '../../src/domain/roles';
import { httpFunctions, type HttpFunction } from '../../src/functions/registry';
import { routeParamNames } from '../../src/http/routeSpec';
import { createDisk, regionBlobService } from '../support/disks';
import { call } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { diskScope, provisionTenant } from '../support/tenants';

const tenantId = randomUUID();
const otherTenantId = randomUUID();

const disk = { container: 'matrix-disks', blob: 'device-1.vhd' };
const deviceBody = {
  upn: 'ada@contoso.test',
  primaryRegion: 'westeurope',
  disk,
  policyId: 'matrix-policy',
  priorityTier: 1,
};

/** A valid body for each route that takes one, so a wrongly allowed request would change state. */
const sampleBodies: Record<string, unknown> = {
  putTenant: { name: 'Changed by a refused request', allowedBackupRegions: ['northeurope'] },
  putPlatformTenant: {
    name: 'Changed by a refused request',
    licences: 7,
    allowedBackupRegions: ['northeurope'],
    diskScopes: [diskScope(disk.container)],
  },
  putPolicy: { name: 'Changed', backupRegion: 'northeurope', rpoHours: 2 },
  putDevice: { ...deviceBody, priorityTier: 9 },
  importDevices: { devices: [{ id: 'imported-1', ...deviceBody }] },
  // Outside the tenant's disk scopes: an allowed caller is refused 400 before any ARM call.
  discoverDevices: {
    hostPoolId:
      '/subscriptions/00000000-0000-4000-8000-000000000029/resourceGroups/rg-desktops/providers/Microsoft.DesktopVirtualization/hostPools/hp-personal',
    policyId: 'matrix-policy',
  },
  // Without an Idempotency-Key an allowed caller gets 400: a refused one must not get that far.
  activateRecovery: { scope: { kind: 'devices', deviceIds: ['matrix-device'] } },
  previewActivation: { scope: { kind: 'devices', deviceIds: ['matrix-device'] } },
};

/** Path parameters name the seeded resources, so refusals are checked against real state. */
const pathValues: Record<string, string> = { tenantId, policyId: 'matrix-policy', deviceId: 'matrix-device' };

function pathOf(fn: HttpFunction): string {
  let path = fn.spec.route;
  for (const name of routeParamNames(fn.spec.route)) {
    path = path.replace(new RegExp(`\\{${name}[^}]*\\}`), pathValues[name] ?? randomUUID());
  }
  return path;
}

const protectedRoutes = httpFunctions().filter((fn) => fn.spec.auth !== 'anonymous');

describe('auth matrix', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment();
    await createDisk(regionBlobService(env.settings, 'westeurope'), disk.container, disk.blob);
  });

  // Every route's checks start from the same seeded tenant, policy and device, whatever ran before.
  beforeEach(async () => {
    const token = await env.token(tenantId, ['DR.Admin']);
    const seed = async (path: string, json: unknown) => {
      const response = await call(`${env.baseUrl}/${path}`, { method: 'PUT', token, json });
      expect(response.status, response.text).toBeLessThan(300);
    };
    await provisionTenant(env, tenantId, { licences: 10, diskScopes: [diskScope(disk.container)] });
    await seed(`tenants/${tenantId}/policies/matrix-policy`, {
      name: 'Matrix',
      backupRegion: 'northeurope',
      rpoHours: 4,
    });
    await seed(`tenants/${tenantId}/devices/matrix-device`, deviceBody);
  });
  afterAll(async () => await env.close());

  it('covers every route that needs a token, each with a sample body where it takes one', () => {
    expect(protectedRoutes.length).toBeGreaterThan(0);
    for (const fn of protectedRoutes) {
      if (fn.spec.body) expect(sampleBodies, `sample body for ${fn.name}`).toHaveProperty(fn.name);
    }
  });

  async function send(fn: HttpFunction, token?: string) {
    const body = sampleBodies[fn.name];
    return await call(`${env.baseUrl}/${pathOf(fn)}`, {
      method: fn.spec.method,
      token,
      ...(body ? { json: body } : {}),
    });
  }

  async function expectRefusedWithoutChange(
    fn: HttpFunction,
    token: string | undefined,
    status: number,
    code: string,
  ) {
    const before = await stateSnapshot();
    const response = await send(fn, token);
    expect(response.status, `${fn.name}: ${response.text}`).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe(code);
    expect(await stateSnapshot()).toEqual(before);
    return response;
  }

  describe.each(protectedRoutes.map((fn) => [`${fn.spec.method} /api/${fn.spec.route}`, fn] as const))(
    '%s',
    (_label, fn) => {
      // A platform route needs the deployment's own role: every tenant role is refused there.
      const auth = fn.spec.auth;
      const platformRoute = auth !== 'anonymous' && auth.role === PlatformRole;
      const required: Role = auth === 'anonymous' || auth.role === PlatformRole ? 'DR.Reader' : auth.role;

      it('answers 401 with a Bearer challenge when no token is sent', async () => {
        const response = await expectRefusedWithoutChange(fn, undefined, 401, 'missing-token');
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cloudpc-dr"');
      });

      it.each([
        ['expired', { expiresInSeconds: -3600 }],
        ['for another audience', { audience: 'api://another-app' }],
        ['from another issuer', { issuer: 'https://issuer.example.test/' }],
      ])('answers 401 invalid_token for a token %s', async (_what, overrides) => {
        const response = await expectRefusedWithoutChange(
          fn,
          await env.token(tenantId, ['DR.Admin'], overrides),
          401,
          'invalid-token',
        );
        expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      });

      it('answers 401 for a bad signature', async () => {
        const real = await loadLocalSigningKey(env.settings.LOCAL_DATA_DIR!);
        const { privateKey } = await generateKeyPair('RS256');
        const forged = await signLocalToken(
          { ...real, privateKey },
          {
            issuer: env.settings.AUTH_ISSUER!,
            audience: env.settings.AUTH_AUDIENCE!,
            tenantId,
            roles: ['DR.Admin'],
          },
        );
        await expectRefusedWithoutChange(fn, forged, 401, 'invalid-token');
      });

      if (!platformRoute && routeParamNames(fn.spec.route).includes('tenantId')) {
        it('answers 404, as for a missing resource, to an admin of another tenant', async () => {
          await expectRefusedWithoutChange(
            fn,
            await env.token(otherTenantId, ['DR.Admin']),
            404,
            'not-found',
          );
        });
      }

      it.each(Roles.map((role) => [role]))(
        'with only %s: allowed exactly when the role suffices',
        async (role: Role) => {
          const token = await env.token(tenantId, [role]);
          if (platformRoute || Roles.indexOf(role) < Roles.indexOf(required)) {
            await expectRefusedWithoutChange(fn, token, 403, 'forbidden');
          } else {
            const response = await send(fn, token);
            expect([401, 403], `${fn.name} as ${role}: ${response.text}`).not.toContain(response.status);
            expect(response.status, `${fn.name} as ${role}: ${response.text}`).toBeLessThan(500);
          }
        },
      );

      it('answers 403 to a token with no roles at all', async () => {
        await expectRefusedWithoutChange(fn, await env.token(tenantId, []), 403, 'forbidden');
      });

      if (platformRoute) {
        it("answers 403 to a customer tenant's token claiming the platform role, and serves the home tenant's", async () => {
          await expectRefusedWithoutChange(fn, await env.token(tenantId, [PlatformRole]), 403, 'forbidden');
          const response = await send(fn, await env.token(env.settings.PLATFORM_TENANT_ID!, [PlatformRole]));
          expect([401, 403], `${fn.name}: ${response.text}`).not.toContain(response.status);
          expect(response.status, `${fn.name}: ${response.text}`).toBeLessThan(500);
        });
      }
    },
  );
});
