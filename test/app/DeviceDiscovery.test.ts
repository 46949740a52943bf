/**
 * DeviceDiscovery's own rules, against the real device registration (Cosmos emulator) and the ARM
 * double's VMs and disks read by the real `@azure/arm-compute` client. The host pool is an
 * in-memory fake of our own `HostPools` port (only what discovery reads): the AVD adapter and the
 * route are tested end to end in test/functions/deviceDiscoveries.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArmVirtualMachineReader } from '../../src/adapters/arm/ArmVirtualMachineReader';
import { ComputeClients } from '../../src/adapters/arm/createComputeClient';
import { Containers } from '../../src/adapters/cosmos/containers';
import { CosmosPolicyStore } from '../../src/adapters/cosmos/CosmosPolicyStore';
import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import { DeviceDiscovery, type DiscoveryRequest } from '../../src/app/DeviceDiscovery';
import { installedStores, installServices, services } from '../../src/compositionRoot';
import { RuleViolationError } from '../../src/domain/errors';
import type { HostPoolInfo, HostPools, SessionHostInfo } from '../../src/ports/HostPools';
import type { VirtualMachineReader } from '../../src/ports/VirtualMachineReader';
import { seedDesktopDisk } from '../support/arm/seedDesktopDisk';
import { startArmDouble, type ArmDouble } from '../support/arm/startArmDouble';
import { call } from '../support/http';
import { platformToken } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const primary = 'westeurope';
const backup = 'northeurope';

/** A host pool held in memory: what `HostPools` promises discovery, and a count of what was asked. */
class MemoryHostPools implements HostPools {
  readonly pools = new Map<string, HostPoolInfo>();
  readonly hosts = new Map<string, SessionHostInfo[]>();
  calls = 0;

  async getHostPool(hostPoolId: string): Promise<HostPoolInfo | undefined> {
    this.calls += 1;
    return this.pools.get(hostPoolId.toLowerCase());
  }

  async *listSessionHosts(hostPoolId: string): AsyncIterable<SessionHostInfo> {
    this.calls += 1;
    // Out of name order, as a service may list them: discovery sorts.
    for (const host of [...(this.hosts.get(hostPoolId.toLowerCase()) ?? [])].reverse()) yield { ...host };
  }

  registrationToken(): Promise<string> {
    throw new Error('discovery registers nothing in AVD');
  }
  findSessionHostByVm(): Promise<SessionHostInfo | undefined> {
    throw new Error('discovery lists the pool');
  }
  assignUser(): Promise<void> {
    throw new Error('discovery assigns nobody');
  }
  removeSessionHost(): Promise<void> {
    throw new Error('discovery removes nothing');
  }
  isGroupAssigned(): Promise<boolean> {
    throw new Error('discovery checks no group');
  }
}

describe('DeviceDiscovery', () => {
  let env: TestEnvironment;
  let double: ArmDouble;
  let discovery: DeviceDiscovery;
  let vmReads = 0;
  /** VMs whose OS disk the reader reports as another (a disk outside the scopes). */
  const diskOverrides = new Map<string, string>();
  const pools = new MemoryHostPools();
  const tenantId = randomUUID();
  const otherTenant = randomUUID();
  const sub = randomUUID();
  const foreignSub = randomUUID();
  const group = 'rg-desktops';
  const poolId = `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.DesktopVirtualization/hostPools/hp-personal`;
  const pooledId = poolId.replace('hp-personal', 'hp-pooled');
  const foreignPoolId = `/subscriptions/${foreignSub}/resourceGroups/${group}/providers/Microsoft.DesktopVirtualization/hostPools/hp-theirs`;
  const hostCount = 30;
  const names = Array.from({ length: hostCount }, (_, i) => `pc-${String(i).padStart(3, '0')}`);
  const vmIds = new Map<string, string>();
  const diskIds = new Map<string, string>();

  const request = (extra: Partial<DiscoveryRequest> = {}): DiscoveryRequest => ({
    hostPoolId: poolId,
    policyId: 'hourly',
    priorityTier: 3,
    idPrefix: 'avd-',
    maxSessionHosts: 500,
    ...extra,
  });

  async function seedVm(subscriptionId: string, name: string): Promise<{ vmId: string; diskId: string }> {
    const diskId = await seedDesktopDisk(double, {
      subscriptionId,
      resourceGroup: group,
      name,
      location: primary,
    });
    const vmId = `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/vm-${name}`;
    return { vmId, diskId };
  }

  /** The pool's hosts: each VM's computer name in the contoso.local domain, a user each. */
  function resetPool(): void {
    pools.pools.set(poolId.toLowerCase(), { id: poolId, location: primary, hostPoolType: 'Personal' });
    pools.pools.set(pooledId.toLowerCase(), { id: pooledId, location: primary, hostPoolType: 'Pooled' });
    pools.hosts.set(
      poolId.toLowerCase(),
      names.map((name) => ({
        hostPoolId: poolId,
        name: `${name}.contoso.local`,
        vmId: vmIds.get(name)!,
        assignedUser: `${name}@contoso.test`,
        status: 'Available',
      })),
    );
  }

  async function devicesOf(): Promise<Map<string, { upn: string; armId: string; version?: string }>> {
    const found = new Map<string, { upn: string; armId: string; version?: string }>();
    for await (const d of installedStores().devices.listAll(tenantId, {}, new Date())) {
      found.set(d.id, {
        upn: d.upn,
        armId: d.disk.kind === 'managedDisk' ? d.disk.armId : '',
        ...(d.version ? { version: d.version } : {}),
      });
    }
    return found;
  }

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 3_600 });
    env = await startTestEnvironment();
    installServices({
      arm: { credential: double.credential, ...double.clientOptions(), pollIntervalInMs: 10 },
    });
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
    const admin = await env.token(tenantId, ['DR.Admin']);
    const policy = await call(`${env.baseUrl}/tenants/${tenantId}/policies/hourly`, {
      method: 'PUT',
      token: admin,
      json: { name: 'Hourly', backupRegion: backup, rpoHours: 1 },
    });
    expect(policy.status, policy.text).toBe(201);
    for (const name of names) {
      const { vmId, diskId } = await seedVm(sub, name);
      vmIds.set(name, vmId);
      diskIds.set(name, diskId);
    }
    const { config } = services();
    const cosmos = createCosmosClient(config.cosmos.connection);
    const real = new ArmVirtualMachineReader(
      new ComputeClients({ credential: double.credential, ...double.clientOptions() }),
    );
    const vms: VirtualMachineReader = {
      async get(vmId) {
        vmReads += 1;
        const vm = await real.get(vmId);
        const disk = diskOverrides.get(vmId);
        return vm && disk ? { ...vm, osDiskId: disk } : vm;
      },
    };
    discovery = new DeviceDiscovery({
      hostPools: pools,
      vms,
      devices: services().devices,
      registry: installedStores().devices,
      policies: new CosmosPolicyStore(
        cosmos.database(config.cosmos.database).container(Containers.policies.id),
      ),
      tenants: services().tenants,
    });
  }, 120_000);

  beforeEach(() => {
    resetPool();
    diskOverrides.clear();
  });

  afterAll(async () => {
    await env?.close();
    await double?.close();
  });

  it('registers a device per session host, named by its computer name, with its user and its VM’s OS disk', async () => {
    const page = await discovery.discover(tenantId, request());
    expect(page).toMatchObject({ created: hostCount, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
    expect(page.sessionHosts).toBe(hostCount);
    expect(page.resumeAfter).toBeUndefined();
    // In name order, whatever order the pool listed them in.
    expect(page.results.map((r) => r.sessionHost)).toEqual(names.map((n) => `${n}.contoso.local`));
    expect(page.results.every((r) => r.licensed === true)).toBe(true);
    const devices = await devicesOf();
    expect(devices.size).toBe(hostCount);
    for (const name of names)
      expect(devices.get(`avd-${name}`)).toMatchObject({
        upn: `${name}@contoso.test`,
        armId: diskIds.get(name),
      });
    // The registration's own checks ran: ARM's facts of the disk and its VM are recorded.
    const device = await services().devices.get(tenantId, `avd-${names[0]}`);
    expect(device).toMatchObject({
      primaryRegion: primary,
      policyId: 'hourly',
      priorityTier: 3,
      diskFacts: { osType: 'Windows', securityType: 'TrustedLaunch', vm: { size: 'Standard_D2s_v5' } },
    });
  });

  it('leaves devices that already say the same unchanged (one VM read each, no write), and updates a changed user', async () => {
    await discovery.discover(tenantId, request());
    const before = await devicesOf();
    const reads = vmReads;
    const again = await discovery.discover(tenantId, request());
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: hostCount, failed: 0 });
    expect(vmReads - reads).toBe(hostCount);
    expect(await devicesOf()).toEqual(before);

    const hosts = pools.hosts.get(poolId.toLowerCase())!;
    hosts[4]!.assignedUser = 'new-owner@contoso.test';
    const changed = await discovery.discover(tenantId, request());
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: hostCount - 1 });
    expect(changed.results.find((r) => r.outcome === 'updated')).toMatchObject({
      sessionHost: `${names[4]}.contoso.local`,
      id: `avd-${names[4]}`,
    });
    const after = await devicesOf();
    expect(after.size).toBe(hostCount);
    expect(after.get(`avd-${names[4]}`)?.upn).toBe('new-owner@contoso.test');
  });

  it('skips a host without a user, fails a host whose VM or disk lies outside the scopes, and reads neither', async () => {
    const hosts = pools.hosts.get(poolId.toLowerCase())!;
    const foreign = await seedVm(foreignSub, `foreign-${randomUUID().slice(0, 8)}`);
    delete hosts[0]!.assignedUser;
    hosts[1]!.vmId = foreign.vmId;
    diskOverrides.set(vmIds.get(names[2]!)!, foreign.diskId);
    hosts[3]!.vmId = undefined;
    hosts[5]!.assignedUser = 'not a upn';
    const armCalls = double.stats().totalCalls;
    const reads = vmReads;
    const page = await discovery.discover(tenantId, request({ idPrefix: 'scoped-' }));
    const row = (i: number) => page.results.find((r) => r.sessionHost === `${names[i]}.contoso.local`);
    expect(row(0)).toMatchObject({
      outcome: 'skipped',
      errors: [expect.objectContaining({ field: 'assignedUser' })],
    });
    expect(row(1)).toMatchObject({ outcome: 'failed', errors: [expect.objectContaining({ field: 'vmId' })] });
    expect(row(1)!.errors![0]!.reason).toMatch(/scopes/);
    expect(row(2)).toMatchObject({ outcome: 'failed', errors: [expect.objectContaining({ field: 'disk' })] });
    expect(row(2)!.errors![0]!.reason).toMatch(/scopes/);
    expect(row(3)).toMatchObject({ outcome: 'failed', errors: [expect.objectContaining({ field: 'vmId' })] });
    expect(row(5)).toMatchObject({
      outcome: 'failed',
      errors: [expect.objectContaining({ field: 'assignedUser' })],
    });
    expect(page).toMatchObject({ created: hostCount - 5, skipped: 1, failed: 4 });
    // The foreign VM was never read (nor any host refused before reading); the foreign disk was never described.
    expect(vmReads - reads).toBe(hostCount - 4);
    const created = hostCount - 5;
    // New devices: a VM read by discovery, a disk and a VM read by registration; host 2's VM read only.
    expect(double.stats().totalCalls - armCalls).toBe(created * 3 + 1);
    const devices = await devicesOf();
    for (const i of [0, 1, 2, 3, 5]) expect(devices.has(`scoped-${names[i]}`)).toBe(false);
  });

  it('refuses the whole request, naming the field, for a pool outside the scopes, a pooled pool or a missing policy', async () => {
    const asked = pools.calls;
    const refusal = async (extra: Partial<DiscoveryRequest>) => {
      try {
        await discovery.discover(tenantId, request(extra));
      } catch (err) {
        return err;
      }
      throw new Error('not refused');
    };
    // Another tenant's pool: refused on the scope alone, before AVD is asked anything.
    expect(await refusal({ hostPoolId: foreignPoolId })).toMatchObject({
      code: 'host-pool-not-in-scopes',
      field: 'body.hostPoolId',
    });
    expect(pools.calls).toBe(asked);
    expect(await refusal({ hostPoolId: pooledId })).toMatchObject({
      code: 'host-pool-not-personal',
      field: 'body.hostPoolId',
    });
    expect(await refusal({ hostPoolId: poolId.replace('hp-personal', 'hp-none') })).toMatchObject({
      code: 'host-pool-not-found',
      field: 'body.hostPoolId',
    });
    const unknown = await refusal({ policyId: 'no-such-policy' });
    expect(unknown).toBeInstanceOf(RuleViolationError);
    expect(unknown).toMatchObject({ code: 'unknown-policy', field: 'body.policyId' });
  });

  it('covers a pool page by page in name order, each host once', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await discovery.discover(
        tenantId,
        request({ idPrefix: 'paged-', maxSessionHosts: 7, ...(after ? { after } : {}) }),
      );
      pages += 1;
      expect(page.results.length).toBeLessThanOrEqual(7);
      seen.push(...page.results.map((r) => r.sessionHost));
      after = page.resumeAfter;
    } while (after !== undefined);
    expect(pages).toBe(Math.ceil(hostCount / 7));
    expect(seen).toEqual(names.map((n) => `${n}.contoso.local`));
  });

  it('starts no host once the request’s time is short, and says where to resume', async () => {
    let asked = 0;
    // Time for exactly 5 hosts to start, then none.
    const timeLeftInMs = () => (++asked <= 5 ? 10_000 : 0);
    const page = await discovery.discover(tenantId, request({ idPrefix: 'timed-' }), { timeLeftInMs });
    expect(page.results).toHaveLength(5);
    expect(page.created).toBe(5);
    expect(page.resumeAfter).toBe(`${names[4]}.contoso.local`);
    const rest = await discovery.discover(
      tenantId,
      request({ idPrefix: 'timed-', after: page.resumeAfter! }),
    );
    expect(rest.results.map((r) => r.sessionHost)).toEqual(names.slice(5).map((n) => `${n}.contoso.local`));
  });

  it('fails every host whose name gives the same device id as another, and registers neither', async () => {
    const hosts = pools.hosts.get(poolId.toLowerCase())!;
    hosts[7]!.name = `${names[6]}.fabrikam.local`;
    const page = await discovery.discover(tenantId, request({ idPrefix: 'dup-' }));
    const clashing = page.results.filter((r) => r.sessionHost.startsWith(`${names[6]}.`));
    expect(clashing).toHaveLength(2);
    for (const row of clashing)
      expect(row).toMatchObject({
        outcome: 'failed',
        errors: [expect.objectContaining({ field: 'sessionHost' })],
      });
    expect((await devicesOf()).has(`dup-${names[6]}`)).toBe(false);
  });
});
