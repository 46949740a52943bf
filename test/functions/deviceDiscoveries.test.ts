/**
 * POST …/device-discoveries end to end: the route, the pipeline (roles, schemas, audit), the use
 * case, the AVD adapter (`@azure/arm-desktopvirtualization`) and the Compute client, against the
 * ARM double's host pools, session hosts, VMs and disks. A pool of 500 session hosts is read page
 * by page and every device registered once with its user and disk; a second run changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedStores, installServices } from '../../src/compositionRoot';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { startArmDouble, type ArmDouble } from '../support/arm/startArmDouble';
import { doubleClockTimer, timeScale } from '../support/arm/testScaleLimits';
import { call, type TestResponse } from '../support/http';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const primary = 'westeurope';
const backup = 'northeurope';
const hostCount = 500;

describe('POST /tenants/{tenantId}/device-discoveries', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let admin: string;
  const tenantId = randomUUID();
  const otherTenant = randomUUID();
  const sub = randomUUID();
  const foreignSub = randomUUID();
  const group = 'rg-desktops';
  const poolId = `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.DesktopVirtualization/hostPools/hp-finance`;
  const pooledId = `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.DesktopVirtualization/hostPools/hp-shared`;
  const foreignPoolId = `/subscriptions/${foreignSub}/resourceGroups/${group}/providers/Microsoft.DesktopVirtualization/hostPools/hp-theirs`;
  const names = Array.from({ length: hostCount }, (_, i) => `pc-${String(i).padStart(3, '0')}`);
  const diskIds = new Map<string, string>();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const body = (extra: Record<string, unknown> = {}) => ({
    hostPoolId: poolId,
    policyId: 'standard',
    priorityTier: 4,
    idPrefix: 'avd-',
    ...extra,
  });

  async function seedVm(subscriptionId: string, name: string): Promise<{ vmId: string; diskId: string }> {
    const diskId = await seedDesktopDisk(double, {
      subscriptionId,
      resourceGroup: group,
      name,
      location: primary,
    });
    return {
      vmId: `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/vm-${name}`,
      diskId,
    };
  }

  /** Discovers the whole pool as a client does: page after page until no continuationToken. */
  async function discoverAll(token = admin, extra: Record<string, unknown> = {}) {
    const pages: TestResponse[] = [];
    let continuationToken: string | undefined;
    do {
      const response = await call(api('/device-discoveries'), {
        method: 'POST',
        token,
        json: body({ ...extra, ...(continuationToken ? { continuationToken } : {}) }),
      });
      expect(response.status, response.text).toBe(200);
      pages.push(response);
      continuationToken = response.body.continuationToken;
    } while (continuationToken !== undefined && pages.length < 50);
    expect(continuationToken).toBeUndefined();
    const results = pages.flatMap((p) => p.body.results as { sessionHost: string; outcome: string }[]);
    const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
    return { pages, results, count };
  }

  async function deviceIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const d of installedStores().devices.listAll(tenantId, {}, new Date())) ids.push(d.id);
    return ids.sort();
  }

  beforeAll(async () => {
    double = await startArmDouble({ timeScale });
    env = await startTestEnvironment();
    installServices({
      // The pacer's per-minute reports are not what is tested here.
      events: { emit: () => undefined },
      arm: {
        credential: double.credential,
        ...double.clientOptions(),
        pollIntervalInMs: 10,
        // On the double's clock, as the pacer reckons on ARM's in production (testScaleLimits.ts).
        pacer: { timer: doubleClockTimer(double) },
      },
    });
    admin = await env.token(tenantId, ['DR.Admin']);
    const platform = await platformToken(env);
    for (const [id, scope] of [
      [tenantId, `/subscriptions/${sub}`],
      [otherTenant, `/subscriptions/${foreignSub}`],
    ] as const) {
      const response = await call(`${env.baseUrl}/platform/tenants/${id}`, {
        method: 'PUT',
        token: platform,
        json: {
          name: 'Contoso',
          licences: 1_000,
          allowedBackupRegions: [backup],
          diskScopes: [{ kind: 'managedDisk', armScope: scope }],
          backupResourceGroups: { [backup]: [`${scope}/resourceGroups/rg-dr`] },
        },
      });
      expect(response.status, response.text).toBe(201);
    }
    const policy = await call(api('/policies/standard'), {
      method: 'PUT',
      token: admin,
      json: { name: 'Standard', backupRegion: backup, rpoHours: 4 },
    });
    expect(policy.status, policy.text).toBe(201);

    double.avd.seedHostPool({ id: poolId, location: primary, hostPoolType: 'Personal' });
    double.avd.seedHostPool({ id: pooledId, location: primary, hostPoolType: 'Pooled' });
    double.avd.seedHostPool({ id: foreignPoolId, location: primary, hostPoolType: 'Personal' });
    for (const name of names) {
      const { vmId, diskId } = await seedVm(sub, name);
      diskIds.set(name, diskId);
      double.avd.seedSessionHost({
        hostPoolId: poolId,
        name: `${name}.contoso.local`,
        vmId,
        assignedUser: `${name}@contoso.test`,
      });
    }
    // Not yet assigned to anyone.
    const idle = await seedVm(sub, 'idle');
    double.avd.seedSessionHost({ hostPoolId: poolId, name: 'zz-idle.contoso.local', vmId: idle.vmId });
    // A session host of this pool whose VM lies in the other tenant's subscription.
    const foreign = await seedVm(foreignSub, 'theirs');
    double.avd.seedSessionHost({
      hostPoolId: poolId,
      name: 'zz-theirs.contoso.local',
      vmId: foreign.vmId,
      assignedUser: 'mallory@contoso.test',
    });
    double.avd.seedSessionHost({
      hostPoolId: foreignPoolId,
      name: 'their-pc.fabrikam.local',
      vmId: foreign.vmId,
      assignedUser: 'eve@fabrikam.test',
    });
  }, 180_000);

  afterAll(async () => {
    await env?.close();
    await double?.close();
  });

  it('registers 500 session hosts as 500 devices with their users and OS disks, page by page', async () => {
    const { pages, results, count } = await discoverAll();
    expect(results).toHaveLength(hostCount + 2);
    // Each session host once, in name order across pages.
    expect(results.map((r) => r.sessionHost)).toEqual([
      ...names.map((n) => `${n}.contoso.local`),
      'zz-idle.contoso.local',
      'zz-theirs.contoso.local',
    ]);
    expect(count('created')).toBe(hostCount);
    expect(count('skipped')).toBe(1);
    expect(count('failed')).toBe(1);
    const totals = pages.reduce((sum, p) => sum + (p.body.created as number), 0);
    expect(totals).toBe(hostCount);
    for (const page of pages) expect(page.body.sessionHosts).toBe(hostCount + 2);
    expect(await deviceIds()).toEqual(names.map((n) => `avd-${n}`));
    for (const name of [names[0]!, names[250]!, names[499]!]) {
      const device = await call(api(`/devices/avd-${name}`), { token: admin });
      expect(device.body).toMatchObject({
        upn: `${name}@contoso.test`,
        primaryRegion: primary,
        disk: { kind: 'managedDisk', armId: diskIds.get(name) },
        policyId: 'standard',
        priorityTier: 4,
        licensed: true,
        diskFacts: { osType: 'Windows', securityType: 'TrustedLaunch' },
      });
    }
    // One audit record per request, its detail the counts.
    const trail = await call(api('/audit?action=discoverDevices&pageSize=1000'), { token: admin });
    expect(trail.status, trail.text).toBe(200);
    const records = trail.body.records as { detail?: string; correlationId?: string }[];
    const ours = records.filter((r) =>
      pages.some((p) => p.headers.get('x-correlation-id') === r.correlationId),
    );
    expect(ours).toHaveLength(pages.length);
    const created = ours.map((r) => Number(/(\d+) created/.exec(r.detail ?? '')?.[1]));
    expect(created.reduce((a, b) => a + b, 0)).toBe(hostCount);
  }, 180_000);

  it('changes nothing when run again: every device unchanged, none added', async () => {
    const before = await deviceIds();
    const { results, count } = await discoverAll();
    expect(count('unchanged')).toBe(hostCount);
    expect(count('created') + count('updated')).toBe(0);
    expect(results.find((r) => r.sessionHost === 'zz-idle.contoso.local')).toMatchObject({
      outcome: 'skipped',
      errors: [expect.objectContaining({ field: 'assignedUser' })],
    });
    expect(results.find((r) => r.sessionHost === 'zz-theirs.contoso.local')).toMatchObject({
      outcome: 'failed',
      errors: [expect.objectContaining({ field: 'vmId' })],
    });
    expect(await deviceIds()).toEqual(before);
  }, 180_000);

  it("refuses another tenant's pool before any ARM call, as it refuses any pool outside the scopes", async () => {
    const calls = double.stats().totalCalls;
    const before = await deviceIds();
    const response = await call(api('/device-discoveries'), {
      method: 'POST',
      token: admin,
      json: body({ hostPoolId: foreignPoolId }),
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({
      code: 'host-pool-not-in-scopes',
      errors: [expect.objectContaining({ field: 'body.hostPoolId' })],
    });
    // Nothing of the other tenant's pool was read, so nothing of it can be told.
    expect(double.stats().totalCalls).toBe(calls);
    expect(await deviceIds()).toEqual(before);
    // The same answer for a pool that does not exist there.
    const missing = await call(api('/device-discoveries'), {
      method: 'POST',
      token: admin,
      json: body({ hostPoolId: foreignPoolId.replace('hp-theirs', 'hp-none') }),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('host-pool-not-in-scopes');
  });

  it('refuses a pooled host pool, naming body.hostPoolId', async () => {
    const response = await call(api('/device-discoveries'), {
      method: 'POST',
      token: admin,
      json: body({ hostPoolId: pooledId }),
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({
      code: 'host-pool-not-personal',
      errors: [expect.objectContaining({ field: 'body.hostPoolId' })],
    });
  });

  it('answers 403 to a DR.Operator, and changes nothing', async () => {
    const before = await deviceIds();
    const response = await call(api('/device-discoveries'), {
      method: 'POST',
      token: await env.token(tenantId, ['DR.Operator']),
      json: body({ idPrefix: 'operator-' }),
    });
    expect(response.status).toBe(403);
    expect(await deviceIds()).toEqual(before);
  });

  it.each([
    [
      { hostPoolId: `/subscriptions/${randomUUID()}/resourceGroups/rg/providers/Microsoft.Compute/disks/d` },
      'body.hostPoolId',
    ],
    [{ policyId: '' }, 'body.policyId'],
    [{ idPrefix: '-bad' }, 'body.idPrefix'],
    [{ maxSessionHosts: 0 }, 'body.maxSessionHosts'],
    [{ priorityTier: 11 }, 'body.priorityTier'],
    [{ continuationToken: 'not-a-token' }, 'body.continuationToken'],
    [{ colour: 'blue' }, 'body.colour'],
  ])('answers 400 naming the field for %j', async (extra, field) => {
    const response = await call(api('/device-discoveries'), {
      method: 'POST',
      token: admin,
      json: body(extra),
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('refuses a body without a host pool, naming it', async () => {
    const response = await call(api('/device-discoveries'), {
      method: 'POST',
      token: admin,
      json: { policyId: 'standard' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'body.hostPoolId' })]);
  });
});
