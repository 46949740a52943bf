/**
 * A tenant whose managed disks live in another Entra directory, end to end: the platform admin sets
 * its `azureDirectoryId` through the API (and nobody else can), devices are registered, and every
 * ARM call into its subscription is made as the multi-tenant app in that directory while the other
 * tenant's are made as the managed identity — through the composition root, the Cosmos emulator's
 * claims and the real ARM clients against the local ARM double. Entra's sign-in cannot run here:
 * `directoryCredential` stands in for ClientAssertionCredential with the double's token for the
 * app's principal, after taking the assertion as ClientAssertionCredential would.
 */
import type { TokenCredential } from '@azure/core-auth';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installServices } from '../../src/compositionRoot';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { CONTROL_PLANE_PRINCIPAL, startArmDouble, type ArmDouble } from '../support/arm/startArmDouble';
import { call } from '../support/http';
import { stateSnapshot } from '../support/stateSnapshot';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const primary = 'westeurope';
const backup = 'northeurope';
const appClientId = randomUUID();

describe('a tenant in another Azure directory', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let platform: string;
  const ownTenant = randomUUID();
  const customerTenant = randomUUID();
  const ownSub = randomUUID();
  const customerSub = randomUUID();
  const directory = randomUUID();
  const appPrincipal = `app-${appClientId}@${directory}`;
  /** How the stand-in for Entra was asked to sign in, and with which assertion. */
  const signIns: { directoryId: string; clientId: string }[] = [];
  const assertions: string[] = [];
  const identityScopes: string[] = [];

  const body = (subscription: string, extra: Record<string, unknown> = {}) => ({
    name: 'Contoso',
    licences: 10,
    allowedBackupRegions: [backup],
    // Resource groups, not the subscription: another tenant could hold a group of it beside them.
    diskScopes: ['rg-desktops', 'rg-dr'].map((group) => ({
      kind: 'managedDisk',
      armScope: `/subscriptions/${subscription}/resourceGroups/${group}`,
    })),
    backupResourceGroups: { [backup]: [`/subscriptions/${subscription}/resourceGroups/rg-dr`] },
    ...extra,
  });
  const platformPut = (id: string, json: unknown, token = platform) =>
    call(`${env.baseUrl}/platform/tenants/${id}`, { method: 'PUT', token, json });

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 600 });
    env = await startTestEnvironment({ CROSS_DIRECTORY_APP_CLIENT_ID: appClientId });
    // The managed identity: the double's control-plane principal, recording what it is asked for.
    const identity: TokenCredential = {
      getToken: async (scopes, options) => {
        identityScopes.push(String(scopes));
        return await double.credential.getToken(scopes, options);
      },
    };
    installServices({
      arm: {
        credential: identity,
        ...double.clientOptions(),
        pollIntervalInMs: 10,
        directoryCredential: (directoryId, clientId, getAssertion) => {
          signIns.push({ directoryId, clientId });
          const app = double.credentialFor(`app-${clientId}@${directoryId}`);
          return {
            getToken: async (scopes, options) => {
              assertions.push(await getAssertion());
              return await app.getToken(scopes, options);
            },
          };
        },
      },
    });
    platform = await platformToken(env);
  }, 120_000);

  afterAll(async () => {
    await env?.close();
    await double?.close();
  });

  /** Which principals called each subscription, as the double saw their tokens. */
  function principalsBySubscription(): Map<string, Set<string>> {
    const by = new Map<string, Set<string>>();
    for (const c of double.stats().callsBy) {
      const key = c.subscriptionId.toLowerCase();
      by.set(key, (by.get(key) ?? new Set()).add(c.principalId));
    }
    return by;
  }

  it('refuses a bad directory id, naming the field, and changes nothing (400)', async () => {
    const before = await stateSnapshot();
    for (const bad of ['not-a-guid', '00000000-0000-0000-0000-000000000000', 42, '']) {
      const response = await platformPut(customerTenant, body(customerSub, { azureDirectoryId: bad }));
      expect(response.status, String(bad)).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('body.azureDirectoryId');
    }
    // The deployment's own directory is the absent case: named, it is refused.
    const own = await platformPut(
      customerTenant,
      body(customerSub, { azureDirectoryId: env.settings.PLATFORM_TENANT_ID }),
    );
    expect(own.status).toBe(400);
    expect(own.body).toMatchObject({ code: 'own-directory', errors: [{ field: 'body.azureDirectoryId' }] });
    expect(await stateSnapshot()).toEqual(before);
  });

  it("lets only the platform set it: a tenant's own admin cannot, on either route (400, 403)", async () => {
    expect((await platformPut(customerTenant, body(customerSub))).status).toBe(201);
    const before = await stateSnapshot();
    const admin = await env.token(customerTenant, ['DR.Reader', 'DR.Operator', 'DR.Admin']);
    const own = await call(`${env.baseUrl}/tenants/${customerTenant}`, {
      method: 'PUT',
      token: admin,
      json: { name: 'Contoso', allowedBackupRegions: [backup], azureDirectoryId: directory },
    });
    expect(own.status).toBe(400);
    expect(own.body.errors.map((e: { field: string }) => e.field)).toContain('body.azureDirectoryId');
    const platformRoute = await platformPut(
      customerTenant,
      body(customerSub, { azureDirectoryId: directory }),
      admin,
    );
    expect(platformRoute.status).toBe(403);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('is set by the platform, shown on the tenant and in the OpenAPI document', async () => {
    const response = await platformPut(
      customerTenant,
      body(customerSub, { azureDirectoryId: directory.toUpperCase() }),
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body.azureDirectoryId).toBe(directory);
    const read = await call(`${env.baseUrl}/tenants/${customerTenant}`, {
      token: await env.token(customerTenant, ['DR.Reader']),
    });
    expect(read.body.azureDirectoryId).toBe(directory);
    expect((await platformPut(ownTenant, body(ownSub))).status).toBe(201);

    const openApi = await call(`${env.baseUrl}/openapi.json`);
    const route = openApi.body.paths['/api/platform/tenants/{tenantId}'];
    const put = route.put.requestBody.content['application/json'].schema;
    expect(put.properties.azureDirectoryId).toMatchObject({
      type: 'string',
      description: expect.stringMatching(/directory/),
    });
    expect(put.required ?? []).not.toContain('azureDirectoryId');
    const get = route.get.responses['200'].content['application/json'].schema;
    expect(get.properties.azureDirectoryId).toMatchObject({ type: 'string' });
  });

  it("refuses a second tenant in the customer's subscription in another directory (409), changing nothing", async () => {
    const before = await stateSnapshot();
    const intruder = randomUUID();
    const response = await platformPut(intruder, {
      ...body(customerSub),
      diskScopes: [
        { kind: 'managedDisk', armScope: `/subscriptions/${customerSub}/resourceGroups/rg-other` },
      ],
      backupResourceGroups: {},
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('directory-conflict');
    expect(response.body.detail).toMatch(/^body\.azureDirectoryId: /);
    expect(await stateSnapshot()).toEqual(before);
  });

  it("makes every ARM call into the customer's subscription as the app there, and the other's as the identity", async () => {
    const tenants = [
      [ownTenant, ownSub],
      [customerTenant, customerSub],
    ] as const;
    for (const [tenant, subscription] of tenants) {
      const admin = await env.token(tenant, ['DR.Admin']);
      const api = (path: string) => `${env.baseUrl}/tenants/${tenant}${path}`;
      const policy = await call(api('/policies/hourly'), {
        method: 'PUT',
        token: admin,
        json: {
          name: 'Hourly',
          backupRegion: backup,
          rpoHours: 1,
          retention: { latest: 1, weekly: 0, keepLatestManual: false },
        },
      });
      expect(policy.status, policy.text).toBeLessThan(300);
      const armId = await seedDesktopDisk(double, {
        subscriptionId: subscription,
        name: 'pc',
        location: primary,
      });
      const device = await call(api('/devices/pc'), {
        method: 'PUT',
        token: admin,
        json: {
          upn: 'pc@contoso.test',
          primaryRegion: primary,
          disk: { kind: 'managedDisk', armId },
          policyId: 'hourly',
          priorityTier: 2,
        },
      });
      // Registration read the disk and its VM through ARM: only the right principal could.
      expect(device.status, device.text).toBeLessThan(300);
      expect(device.body.diskFacts).toMatchObject({ sizeGB: 16, vm: { size: 'Standard_D2s_v5' } });
    }
    const principals = principalsBySubscription();
    expect([...(principals.get(ownSub) ?? [])]).toEqual([CONTROL_PLANE_PRINCIPAL]);
    expect([...(principals.get(customerSub) ?? [])]).toEqual([appPrincipal]);
    // One sign-in per directory, as the app; its assertion the identity's exchange token.
    expect(signIns).toEqual([{ directoryId: directory, clientId: appClientId }]);
    expect(assertions.length).toBeGreaterThan(0);
    expect(identityScopes).toContain('api://AzureADTokenExchange/.default');
  });
});
