/**
 * A policy's recovery settings for Azure compute, through the API: each id is checked against the
 * tenant's own scopes (the attack: naming another tenant's subnet, host pool or reservation), one
 * subnet per subscription and one for every subscription of the tenant's backup groups, a host pool
 * only with its application group and user group; bad input is a 400 naming the field and changes
 * nothing, and a PUT without the settings drops them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installServices } from '../../src/compositionRoot';
import { call } from '../support/http';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const backup = 'northeurope';

describe('policy recovery settings', () => {
  let env: TestEnvironment;
  let admin: string;
  const tenantId = randomUUID();
  const otherTenant = randomUUID();
  const sub = randomUUID();
  const secondSub = randomUUID();
  const foreignSub = randomUUID();
  const subnet = (subscription: string, name = 'desktops') =>
    `/subscriptions/${subscription}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/${name}`;
  const pool = (subscription: string) =>
    `/subscriptions/${subscription}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/hostPools/hp-dr`;
  const appGroup = (subscription: string) =>
    `/subscriptions/${subscription}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/applicationGroups/ag-dr`;
  const groupId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const base = {
    name: 'Hourly',
    backupRegion: backup,
    rpoHours: 1,
    retention: { latest: 2, weekly: 0, keepLatestManual: false },
  };
  const good = {
    subnetIds: [subnet(sub), subnet(secondSub)],
    fallbackSizes: ['Standard_D4s_v5', 'Standard_D2as_v5'],
    zones: ['2', '3'],
    hostPoolId: pool(sub),
    applicationGroupId: appGroup(sub),
    userGroupObjectId: groupId,
  };

  async function putTenant(id: string, subscriptions: string[], groups: string[]) {
    const response = await call(`${env.baseUrl}/platform/tenants/${id}`, {
      method: 'PUT',
      token: await platformToken(env),
      json: {
        name: 'Fabrikam',
        licences: 10,
        allowedBackupRegions: [backup],
        diskScopes: subscriptions.map((s) => ({ kind: 'managedDisk', armScope: `/subscriptions/${s}` })),
        backupResourceGroups: { [backup]: groups },
      },
    });
    expect(response.status, response.text).toBeLessThan(300);
  }

  const put = (recovery: unknown) =>
    call(api('/policies/hourly'), { method: 'PUT', token: admin, json: { ...base, recovery } });

  beforeAll(async () => {
    env = await startTestEnvironment();
    installServices({});
    await putTenant(
      tenantId,
      [sub, secondSub],
      [`/subscriptions/${sub}/resourceGroups/rg-dr-a`, `/subscriptions/${secondSub}/resourceGroups/rg-dr-b`],
    );
    await putTenant(otherTenant, [foreignSub], [`/subscriptions/${foreignSub}/resourceGroups/rg-dr`]);
    admin = await env.token(tenantId, ['DR.Admin']);
  }, 60_000);

  afterAll(async () => {
    await env?.close();
  });

  it('keeps valid settings and returns them', async () => {
    const created = await put(good);
    expect(created.status, created.text).toBe(201);
    expect(created.body.recovery).toEqual(good);
    const read = await call(api('/policies/hourly'), { token: admin });
    expect(read.body.recovery).toEqual(good);
  });

  it.each([
    [
      'another tenant’s subnet',
      { ...good, subnetIds: [subnet(sub), subnet(foreignSub)] },
      'body.recovery.subnetIds.1',
    ],
    ['another tenant’s host pool', { ...good, hostPoolId: pool(foreignSub) }, 'body.recovery.hostPoolId'],
    [
      'another tenant’s application group',
      { ...good, applicationGroupId: appGroup(foreignSub) },
      'body.recovery.applicationGroupId',
    ],
    [
      'another tenant’s capacity reservation group',
      {
        ...good,
        capacityReservationGroupIds: [
          `/subscriptions/${foreignSub}/resourceGroups/rg-cap/providers/Microsoft.Compute/capacityReservationGroups/crg`,
        ],
      },
      'body.recovery.capacityReservationGroupIds.0',
    ],
    [
      'two subnets in one subscription',
      { ...good, subnetIds: [subnet(sub), subnet(secondSub), subnet(sub, 'b')] },
      'body.recovery.subnetIds.2',
    ],
    ['no subnet for a backup subscription', { ...good, subnetIds: [subnet(sub)] }, 'body.recovery.subnetIds'],
    [
      'a host pool without its user group',
      { ...good, userGroupObjectId: undefined },
      'body.recovery.userGroupObjectId',
    ],
    ['a subnet id of another shape', { ...good, subnetIds: [pool(sub)] }, 'body.recovery.subnetIds.0'],
    ['a zone that is not 1–3', { ...good, zones: ['4'] }, 'body.recovery.zones.0'],
    ['a size with a space', { ...good, fallbackSizes: ['Standard D4s'] }, 'body.recovery.fallbackSizes.0'],
    ['an unknown field', { ...good, vnet: 'x' }, 'body.recovery.vnet'],
  ])('refuses %s with a 400 naming the field, and changes nothing', async (_case, recovery, field) => {
    const before = await call(api('/policies/hourly'), { token: admin });
    const refused = await put(recovery);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field })]);
    const after = await call(api('/policies/hourly'), { token: admin });
    expect(after.body).toEqual(before.body);
  });

  it('drops the settings on a PUT without them', async () => {
    expect((await put(good)).status).toBe(200);
    const dropped = await call(api('/policies/hourly'), { method: 'PUT', token: admin, json: base });
    expect(dropped.status, dropped.text).toBe(200);
    expect(dropped.body.recovery).toBeUndefined();
  });
});
