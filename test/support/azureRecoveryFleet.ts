/**
 * A tenant's fleet of managed-disk desktops in Azure settings (`COMPUTE_PROVIDER=azure`) against the
 * ARM double, for the activation tests of issue 29: the ARM double's subnet, DR host pool and its
 * application group seeded, each device's OS disk seeded in the primary region, the tenant, its
 * policy and its devices registered over HTTP, then protected once by the registered scheduler and
 * worker. One tenant per subscription, so that two fleets in one file draw on separate ARM buckets.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { installedStores, services, type ServiceOverrides } from '../../src/compositionRoot';
import type { EventLog } from '../../src/ports/EventLog';
import { seedDesktopDisk } from './arm/seedDesktopDisk';
import { DESKTOP_VIRTUALIZATION_USER, type ArmDouble } from './arm/startArmDouble';
import { eventually } from './eventually';
import { call, type TestResponse } from './http';
import { MemoryCopySlots } from './memoryCopySlots';
import { platformToken } from './tenants';
import type { TestEnvironment } from './testEnvironment';
import type { TestClock } from './testClock';

export const primary = 'westeurope';
export const backup = 'northeurope';
const hour = 3_600_000;

export interface AzureFleet {
  tenantId: string;
  subscriptionId: string;
  groups: string[];
  subnet: string;
  hostPoolId: string;
  applicationGroupId: string;
  userGroup: string;
  ids: string[];
}

export const upn = (id: string): string => `${id}@fabrikam.test`;

/** A fresh tenant in a fresh subscription, its devices named `${prefix}-000`… */
export function azureFleet(prefix: string, count: number): AzureFleet {
  const sub = randomUUID();
  return {
    tenantId: randomUUID(),
    subscriptionId: sub,
    groups: [`/subscriptions/${sub}/resourceGroups/rg-dr-a`, `/subscriptions/${sub}/resourceGroups/rg-dr-b`],
    subnet: `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/desktops`,
    hostPoolId: `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/hostPools/hp-dr`,
    applicationGroupId: `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/applicationGroups/hp-dr-dag`,
    userGroup: randomUUID(),
    ids: Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`),
  };
}

export interface AzureRecoveryOverrides {
  clock: TestClock;
  events: EventLog;
  /** The recovery worker's failures before a device is given up (default 3: a fault shows quickly). */
  maxRecoveryAttempts?: number;
  pacer?: NonNullable<ServiceOverrides['arm']>['pacer'];
  wrapWorkQueue?: ServiceOverrides['wrapWorkQueue'];
}

/**
 * The composition-root overrides of an Azure activation against the double at a time scale of one
 * real second to an hour of ARM's: short worker delays, and every ARM-side clock on the double's.
 */
export function azureRecoveryOverrides(double: ArmDouble, options: AzureRecoveryOverrides): ServiceOverrides {
  return {
    clock: options.clock,
    events: options.events,
    worker: { checkDelayInMs: 50, retryBaseDelayInMs: 20, retryMaxDelayInMs: 100, maxAttempts: 3 },
    recovery: {
      checkDelayInMs: 100,
      retryBaseDelayInMs: 50,
      retryMaxDelayInMs: 200,
      ...(options.maxRecoveryAttempts ? { maxAttempts: options.maxRecoveryAttempts } : {}),
    },
    ...(options.wrapWorkQueue ? { wrapWorkQueue: options.wrapWorkQueue } : {}),
    arm: {
      credential: double.credential,
      ...double.clientOptions(),
      copySlots: new MemoryCopySlots(100),
      pollIntervalInMs: 10,
      ...(options.pacer ? { pacer: options.pacer } : {}),
      // A content check's SAS lives 10 simulated hours: 10 real seconds at this scale.
      store: { sasDurationInSeconds: 36_000 },
      // The provider reads VMs' creation times on ARM's clock, as it does in Azure.
      // Its deadline is ARM time too: 30 simulated days are 12 real minutes, so a device only
      // the queue's real-time delays hold back is not given up.
      // Registration tokens expire on ARM's clock.
      hostPools: { clock: { now: () => new Date(double.clock()) } },
      compute: {
        clock: { now: () => new Date(double.clock()) },
        listingTtlInMs: 100,
        provisioningDeadlineInMs: 30 * 24 * hour,
      },
    },
  };
}

/**
 * Seeds the fleet's ARM side (subnet, DR host pool, its application group assigned to the users'
 * group, one primary OS disk per device) and registers the tenant, its hourly policy naming them,
 * and its devices through the import API.
 */
export async function seedAzureFleet(
  env: TestEnvironment,
  double: ArmDouble,
  fleet: AzureFleet,
): Promise<void> {
  const { tenantId, subscriptionId: sub, subnet, hostPoolId, applicationGroupId, userGroup, ids } = fleet;
  const admin = await env.token(tenantId, ['DR.Admin']);
  const request = async (method: string, path: string, json: unknown): Promise<TestResponse> =>
    await call(`${env.baseUrl}/tenants/${tenantId}${path}`, { method, token: admin, json });

  double.seedSubnet(subnet, backup);
  double.avd.seedHostPool({ id: hostPoolId, location: backup });
  double.avd.seedApplicationGroup({ id: applicationGroupId, location: backup, hostPoolId });
  double.avd.seedRoleAssignment({
    scope: applicationGroupId,
    principalId: userGroup,
    roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
  });
  const diskIds = new Map<string, string>();
  for (const id of ids)
    diskIds.set(
      id,
      await seedDesktopDisk(double, {
        subscriptionId: sub,
        name: id,
        location: primary,
        diskControllerTypes: 'SCSI',
        vm: { name: id, size: 'Standard_D2s_v5', zone: '1', computerName: `${id}.fabrikam.test` },
      }),
    );

  const tenant = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
    method: 'PUT',
    token: await platformToken(env),
    json: {
      name: 'Fabrikam',
      licences: ids.length,
      allowedBackupRegions: [backup],
      diskScopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${sub}` }],
      backupResourceGroups: { [backup]: fleet.groups },
    },
  });
  expect(tenant.status, tenant.text).toBe(201);
  const policy = await request('PUT', '/policies/hourly', {
    name: 'Hourly',
    backupRegion: backup,
    rpoHours: 1,
    retention: { latest: 2, weekly: 0, keepLatestManual: false },
    recovery: {
      subnetIds: [subnet],
      fallbackSizes: ['Standard_D4s_v5'],
      hostPoolId,
      applicationGroupId,
      userGroupObjectId: userGroup,
    },
  });
  expect(policy.status, policy.text).toBe(201);
  // In batches, each row's ARM reads within the request's deadline; a row that ran out of it
  // (503 in its result, on a loaded machine) is sent again, as an admin's script would.
  let pending = [...ids];
  for (let round = 0; round < 5 && pending.length > 0; round += 1) {
    const failed: string[] = [];
    for (let i = 0; i < pending.length; i += 50) {
      const batch = pending.slice(i, i + 50);
      const imported = await request('POST', '/device-imports', {
        devices: batch.map((id) => ({
          id,
          upn: upn(id),
          primaryRegion: primary,
          disk: { kind: 'managedDisk', armId: diskIds.get(id) },
          policyId: 'hourly',
          priorityTier: Number(id.slice(-1)) < 3 ? 1 : 2,
        })),
      });
      expect(imported.status, imported.text).toBe(200);
      for (const row of imported.body.results) if (row.outcome !== 'created') failed.push(row.id);
    }
    pending = failed;
  }
  expect(pending).toEqual([]);
}

/** One protection cycle an hour on: each device's only verified point is its latest. */
export async function protectFleets(
  clock: TestClock,
  fleets: readonly AzureFleet[],
  events: readonly { event: string; properties: Record<string, unknown> }[],
): Promise<void> {
  clock.time = clock.now().getTime() + hour;
  await services().scheduler.run(clock.now());
  const unprotected = async () =>
    (
      await Promise.all(
        fleets.flatMap((f) => f.ids.map((id) => installedStores().devices.get(f.tenantId, id))),
      )
    ).filter((d) => !d?.lastVerifiedAt || d.pending);
  try {
    await eventually(unprotected, (left) => left.length === 0, { timeoutMs: 240_000, intervalMs: 500 });
  } catch (err) {
    const left = await unprotected();
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.event] = (counts[e.event] ?? 0) + 1;
    throw new Error(
      `${left.length} devices unprotected: ${left.map((d) => d?.id).join(', ')}; events ${JSON.stringify(counts)}; failures ${JSON.stringify(events.filter((e) => e.event === 'restore-point.failed' || e.event === 'restore-point.retrying').slice(0, 4))}`,
      { cause: err },
    );
  }
}

/** Activates the fleet's primary region over HTTP as its operator; returns the activation's id. */
export async function activateFleet(env: TestEnvironment, fleet: AzureFleet): Promise<string> {
  const started = await call(`${env.baseUrl}/tenants/${fleet.tenantId}/activations`, {
    method: 'POST',
    token: await env.token(fleet.tenantId, ['DR.Operator']),
    json: { scope: { kind: 'region', region: primary } },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(started.status, started.text).toBe(202);
  return started.body.id as string;
}

/**
 * Waits until the activation completed with every device recovered; a failed device ends the wait
 * at once and the error names the first few failures with their reasons.
 */
export async function expectAllRecovered(
  env: TestEnvironment,
  fleet: AzureFleet,
  activationId: string,
  timeoutMs = 300_000,
): Promise<void> {
  const reader = await env.token(fleet.tenantId, ['DR.Reader']);
  const url = `${env.baseUrl}/tenants/${fleet.tenantId}/activations/${activationId}`;
  const report = await eventually(
    async () => (await call(url, { token: reader })).body,
    (body) => body?.state === 'completed' || body?.state === 'failed' || body?.counts?.failed > 0,
    { timeoutMs, intervalMs: 500 },
  );
  if (report.state !== 'completed' || report.counts.failed > 0) {
    const failed = await call(`${url}/devices?state=failed&pageSize=5`, { token: reader });
    throw new Error(`${JSON.stringify(report.counts)}: ${JSON.stringify(failed.body.items)}`);
  }
  expect(report.counts).toMatchObject({ recovered: fleet.ids.length, failed: 0 });
}

interface Made {
  tags: Record<string, string>;
  deleted: boolean;
}

/** A live resource tagged with `tag` (a device's id, or an activation's). */
export const liveWithTag =
  (tag: string) =>
  (r: Made): boolean =>
    !r.deleted && Object.values(r.tags).includes(tag);

/**
 * Exactly one live disk, NIC and VM per device of the fleet, the VM on that disk and NIC, and one
 * session host per device in the DR host pool with the device's user assigned.
 */
export function expectOneOfEach(double: ArmDouble, fleet: AzureFleet): void {
  for (const id of fleet.ids) {
    const vms = double.vms().filter(liveWithTag(id));
    const disks = double.disks().filter(liveWithTag(id));
    const nics = double.nics().filter(liveWithTag(id));
    expect([vms.length, disks.length, nics.length], id).toEqual([1, 1, 1]);
    expect(vms[0]!.osDiskId, id).toBe(disks[0]!.id);
    expect(vms[0]!.nicIds, id).toEqual([nics[0]!.id]);
  }
  const hosts = double.avd.sessionHosts(fleet.hostPoolId);
  expect(hosts).toHaveLength(fleet.ids.length);
  expect(hosts.map((h) => h.assignedUser).sort()).toEqual(fleet.ids.map(upn).sort());
}
