/**
 * The double's store answers lists, region lookups and the per-region VM count from indexes kept
 * on create and delete (indexedMap.ts), not by scanning every resource. These tests pin the
 * behaviour the scans had: the count limit refuses the (limit + 1)th VM and frees a place on
 * delete, and lists (and the region a list is about) follow deletes.
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkClient } from './armNetworkClient';
import { computeClient } from './armTestClient';
import { attachedVmBody, seedSourceSnapshot } from './deviceResources';
import { refusal } from './refusal';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000e1';
const PRIMARY = 'rg-primary';
const BACKUP = 'rg-backup';
const WEST = 'westeurope';
const NORTH = 'northeurope';
const FAST = { updateIntervalInMs: 10 };
const subnet = (region: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${region}/subnets/desktops`;
const id = (type: string, name: string, rg = BACKUP) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${type}/${name}`;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of pages) out.push(item);
  return out;
}

describe('ARM double: indexed lists, list regions and the per-region VM count', () => {
  let double: ArmDouble;
  let compute: ComputeManagementClient;
  let network: NetworkManagementClient;

  const seedSource = async (name: string, region: string, rg = PRIMARY) =>
    await seedSourceSnapshot(
      double,
      compute,
      {
        subscriptionId: SUB,
        resourceGroup: rg,
        name: `${name}-os`,
        location: region,
        sizeGB: 64,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        securityType: 'TrustedLaunch',
      },
      `${name}-snap`,
    );

  /** A device's disk (from its snapshot) and NIC in the backup group, then its VM PUT. */
  const putDevice = async (name: string, region: string) => {
    const snapshotId = await seedSource(name, region);
    await compute.disks.createOrUpdate(
      BACKUP,
      `${name}-disk`,
      {
        location: region,
        zones: ['1'],
        sku: { name: 'Premium_LRS' },
        creationData: { createOption: 'Copy', sourceResourceId: snapshotId },
      },
      FAST,
    );
    await network.networkInterfaces.createOrUpdate(
      BACKUP,
      `${name}-nic`,
      { location: region, ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnet(region) } }] },
      FAST,
    );
    return await putVm(name, region);
  };
  const putVm = async (name: string, region: string) => {
    const body = attachedVmBody({
      location: region,
      diskId: id('Microsoft.Compute/disks', `${name}-disk`),
      nicId: id('Microsoft.Network/networkInterfaces', `${name}-nic`),
    });
    return await compute.virtualMachines.createOrUpdate(BACKUP, name, body, FAST);
  };

  beforeAll(async () => {
    // Two VMs per (subscription, region) stand in for Azure's 25,000.
    double = await startArmDouble({ timeScale: 600, limits: { vmsPerSubscriptionRegion: 2 } });
    compute = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    network = networkClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    double.seedSubnet(subnet(WEST), WEST);
    double.seedSubnet(subnet(NORTH), NORTH);
  });
  afterAll(async () => await double.close());

  it('refuses the VM over the per-region count (a seeded VM counting), in that region only, and frees a place on delete', async () => {
    // A seeded VM (the primary's own) is one of the subscription's VMs in West Europe.
    await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: PRIMARY,
      name: 'primary-os',
      location: WEST,
      sizeGB: 64,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      vm: { name: 'primary-vm', size: 'Standard_D2s_v5' },
    });
    await putDevice('pc-a', WEST); // the second: at the limit
    const over = await refusal(putDevice('pc-b', WEST));
    expect(over).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(String((over as Error).message)).toContain('already has 2 virtual machines');
    expect(double.stats().refusals['vm.count.perRegion']).toBe(1);

    // The same VM again is not a new one; another region has its own count.
    expect((await putVm('pc-a', WEST)).name).toBe('pc-a');
    expect((await putDevice('pc-n', NORTH)).name).toBe('pc-n');
    expect(double.stats().refusals['vm.count.perRegion']).toBe(1);

    // A delete frees its place: pc-b's VM (its disk and NIC already made) now fits, and a third does not.
    await compute.virtualMachines.delete(BACKUP, 'pc-a', FAST);
    expect((await putVm('pc-b', WEST)).name).toBe('pc-b');
    expect(await refusal(putDevice('pc-c', WEST))).toMatchObject({ statusCode: 409 });
    expect(double.stats().refusals['vm.count.perRegion']).toBe(2);
  });

  it('lists each resource group after deletes: what is left, in creation order, whatever the case of the names', async () => {
    const vms = (await all(compute.virtualMachines.list(BACKUP))).map((v) => v.name);
    expect(vms).toEqual(['pc-n', 'pc-b']);
    expect((await all(compute.virtualMachines.list(BACKUP.toUpperCase()))).map((v) => v.name)).toEqual(vms);
    // pc-a's disk and NIC went with its VM (deleteOption Delete); pc-c's were made before its refusal.
    expect((await all(compute.disks.listByResourceGroup(BACKUP))).map((d) => d.name)).toEqual([
      'pc-b-disk',
      'pc-n-disk',
      'pc-c-disk',
    ]);
    expect((await all(network.networkInterfaces.list(BACKUP))).map((n) => n.name)).toEqual([
      'pc-b-nic',
      'pc-n-nic',
      'pc-c-nic',
    ]);
    await compute.snapshots.delete(PRIMARY, 'pc-b-snap', FAST);
    expect((await all(compute.snapshots.listByResourceGroup(PRIMARY))).map((s) => s.name)).toEqual([
      'pc-a-snap',
      'pc-n-snap',
      'pc-c-snap',
    ]);
    // A snapshot made again under a deleted name is listed last, as a new one.
    await seedSource('pc-b2', WEST);
    await compute.snapshots.createOrUpdate(
      PRIMARY,
      'pc-b-snap',
      {
        location: WEST,
        incremental: true,
        creationData: {
          createOption: 'Copy',
          sourceResourceId: id('Microsoft.Compute/disks', 'pc-b-os', PRIMARY),
        },
      },
      FAST,
    );
    expect((await all(compute.snapshots.listByResourceGroup(PRIMARY))).map((s) => s.name)).toEqual([
      'pc-a-snap',
      'pc-n-snap',
      'pc-c-snap',
      'pc-b2-snap',
      'pc-b-snap',
    ]);
  });

  it('knows the region of a list from its group’s snapshots and disks, as they are created and deleted', async () => {
    const rg = 'rg-mixed';
    /** Whether a list of the group is about West Europe: an unreachable West Europe resets it. */
    const listIsAboutWest = async () => {
      const restore = double.inject({ unreachableRegion: WEST, behaviour: 'reset' });
      try {
        return (await refusal(all(compute.snapshots.listByResourceGroup(rg)))) instanceof Error;
      } finally {
        restore();
      }
    };
    await seedSource('m-west', WEST, rg);
    expect(await listIsAboutWest()).toBe(true);
    // A second region: the double cannot tell, so the fault does not apply.
    await seedSource('m-north', NORTH, rg);
    expect(await listIsAboutWest()).toBe(false);
    // The snapshot gone, its (seeded) disk still says North Europe.
    await compute.snapshots.delete(rg, 'm-north-snap', FAST);
    expect(await listIsAboutWest()).toBe(false);
    // The disk gone too: the group is West Europe's again.
    await compute.disks.delete(rg, 'm-north-os', FAST);
    expect(await listIsAboutWest()).toBe(true);
  });
});
