/**
 * The sweeper's safety net for DR session host records (issue 29): after a deactivation no record
 * of a temporary device may outlive its VM. Against the ARM double through the Azure provider and
 * the real stores: a known tenant's policy names its DR pool, its tenant document its backup
 * resource groups; only records of gone temporary-device VMs in those groups go.
 */
import type { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosActivationStore } from '../../src/adapters/cosmos/CosmosActivationStore';
import { CosmosPolicyStore } from '../../src/adapters/cosmos/CosmosPolicyStore';
import { CosmosTenantStore } from '../../src/adapters/cosmos/CosmosTenantStore';
import { Containers } from '../../src/adapters/cosmos/containers';
import { TemporaryDeviceSweeper } from '../../src/app/TemporaryDeviceSweeper';
import type { Policy } from '../../src/domain/policy';
import {
  backupGroup,
  hostPoolId,
  region,
  scope,
  startHarness,
  sub,
  type Harness,
} from '../adapters/compute/azure/azureHarness';
import { openCosmosTestDatabase } from '../support/cosmosTestDatabase';

const vmIn = (group: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
const poolIn = (name: string) =>
  `/subscriptions/${sub}/resourceGroups/rg-avd/providers/Microsoft.DesktopVirtualization/hostPools/${name}`;
/** Tenant B's backup group and pool: A's devices never live there. */
const otherGroup = 'rg-dr-tenant-b';
const poolB = poolIn('hp-dr-b');
/** Named only by the policy of a tenant this deployment does not know. */
const poolC = poolIn('hp-dr-c');
/** Named by no policy at all. */
const poolD = poolIn('hp-unrelated');

describe('TemporaryDeviceSweeper: session host records of gone temporary devices', () => {
  let harness: Harness;
  let cosmos: CosmosClient;
  let sweeper: TemporaryDeviceSweeper;
  const events: { event: string; properties: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    harness = await startHarness();
    const { database, client } = await openCosmosTestDatabase('sweeper-session-hosts');
    cosmos = client;
    const tenants = new CosmosTenantStore(database.container(Containers.tenants.id));
    const policies = new CosmosPolicyStore(database.container(Containers.policies.id));
    const activations = new CosmosActivationStore(
      database.container(Containers.activations.id),
      database.container(Containers.recoveries.id),
      region,
    );
    const at = new Date().toISOString();
    const tenant = (id: string, groups: string[]) => ({
      id,
      name: id,
      licences: 10,
      allowedBackupRegions: [region],
      diskScopes: [],
      regionsInOutage: [],
      backupResourceGroups: { [region]: groups },
      createdAt: at,
      updatedAt: at,
    });
    await tenants.create(tenant('tenant-a', [scope]));
    await tenants.create(tenant('tenant-b', [`/subscriptions/${sub}/resourceGroups/${otherGroup}`]));
    const policy = (tenantId: string, pool: string): Policy => ({
      id: `policy-${tenantId}`,
      tenantId,
      name: 'DR',
      backupRegion: region,
      rpoHours: 4,
      retention: { latest: 3, weekly: 0, keepLatestManual: true },
      enabled: true,
      recovery: { subnetIds: [], hostPoolId: pool },
      createdAt: at,
      updatedAt: at,
    });
    await policies.create(policy('tenant-a', hostPoolId));
    await policies.create(policy('tenant-b', poolB));
    await policies.create(policy('tenant-c', poolC)); // tenant-c is not created: unknown here

    // A live VM named as a temporary device: its record must stay.
    await harness.double.seedDisk({
      subscriptionId: sub,
      resourceGroup: backupGroup,
      name: 'tmp-live-os',
      location: region,
      sizeGB: 64,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      vm: { name: 'tmp-act1-live', size: 'Standard_D2s_v5' },
    });
    const host = (pool: string, name: string, vmId: string) =>
      harness.double.avd.seedSessionHost({ hostPoolId: pool, name, vmId });
    host(hostPoolId, 'gone.contoso.com', vmIn(backupGroup, 'tmp-act1-gone'));
    host(hostPoolId, 'gone-hashed.contoso.com', vmIn(backupGroup, 'tmh-act1-long-0123456789abcdef'));
    host(hostPoolId, 'live.contoso.com', vmIn(backupGroup, 'tmp-act1-live'));
    host(hostPoolId, 'customer.contoso.com', vmIn(backupGroup, 'customer-desktop')); // not ours
    host(hostPoolId, 'elsewhere.contoso.com', vmIn('rg-not-a-backup-group', 'tmp-act1-x')); // not in A's groups
    for (const pool of [poolB, poolC, poolD]) {
      harness.double.avd.seedHostPool({ id: pool, location: region });
      // A gone temporary VM of tenant A's group, in a pool tenant A's policy does not name.
      host(pool, 'stray.contoso.com', vmIn(backupGroup, 'tmp-act1-stray'));
    }

    sweeper = new TemporaryDeviceSweeper(
      activations,
      harness.provider(),
      tenants,
      [region],
      { emit: (event, properties) => void events.push({ event, properties }) },
      policies,
    );
  }, 120_000);

  afterAll(async () => {
    cosmos?.dispose();
    await harness?.close();
  });

  const names = (pool: string) =>
    harness.double.avd
      .sessionHosts(pool)
      .map((h) => h.name)
      .sort();

  it('removes the records whose temporary VM is gone, keeps every other, and touches no other pool', async () => {
    const result = await sweeper.sweep();

    expect(result).toMatchObject({ checked: 0, removed: 0, sessionHostsRemoved: 2 });
    expect(names(hostPoolId)).toEqual(['customer.contoso.com', 'elsewhere.contoso.com', 'live.contoso.com']);
    // Tenant B's pool is swept against B's own groups only; C's tenant is unknown; D is no DR pool.
    for (const pool of [poolB, poolC, poolD]) expect(names(pool), pool).toEqual(['stray.contoso.com']);
    expect(
      events
        .filter((e) => e.event === 'recovery.orphan-session-host-removed')
        .map((e) => e.properties['sessionHost'])
        .sort(),
    ).toEqual(['gone-hashed.contoso.com', 'gone.contoso.com']);

    // Idempotent: nothing more to remove.
    expect((await sweeper.sweep()).sessionHostsRemoved).toBe(0);
  });
});
