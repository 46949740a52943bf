/**
 * The `managed-cycle-arm` benchmark's fleet, seeded straight into the ARM double: N managed OS
 * disks spread round-robin over S subscriptions, each subscription one tenant's (its disks in the
 * primary region, its two backup resource groups in the backup region), so every subscription
 * carries ⌈N ÷ S⌉ or ⌊N ÷ S⌋ devices' snapshots and copies: the bound's busiest subscription is
 * exactly ⌈N ÷ S⌉ (one tenant's devices sharded over its groups by the rendezvous hash would load
 * one subscription a few per cent above that; `placementSpread` says how much). Seeding a disk
 * costs no ARM call, and the fleet's registration (two ARM reads per device) is not part of a cycle.
 */
import { backupResourceGroupFor } from '../src/domain/managedDiskPlacement';
import { LocalRegions } from '../src/local/localSettings';
import type { SeedDisk } from '../test/support/arm/startArmDouble';
import type { DriverDevice } from './managedCycleDriver';
import { subscriptionId } from './recoveryFleet';

export const managedPrimaryRegion = LocalRegions.primary;
export const managedBackupRegion = LocalRegions.backup;
const groupsPerSubscription = ['rg-dr-a', 'rg-dr-b'];

export interface ManagedArmFleet {
  subscriptionIds: string[];
  devices: DriverDevice[];
  /** Device index → its disk's ARM id. */
  diskIds: string[];
}

/** The tenant of subscription `index`: a GUID, as tenant ids are. */
export function fleetTenantId(index: number): string {
  return `10000000-0000-4000-8000-${(index + 1).toString(16).padStart(12, '0')}`;
}

export async function seedManagedArmFleet(
  double: { seedDisks(seeds: SeedDisk[]): Promise<string[]> },
  o: { devices: number; subscriptions: number; diskGiB: number },
): Promise<ManagedArmFleet> {
  const subscriptionIds = Array.from({ length: o.subscriptions }, (_, i) => subscriptionId(i));
  const groups = subscriptionIds.map((sub) =>
    groupsPerSubscription.map((group) => `/subscriptions/${sub}/resourceGroups/${group}`),
  );
  const seeds: SeedDisk[] = [];
  for (let i = 0; i < o.devices; i += 1) {
    const s = i % o.subscriptions;
    const deviceId = `dev-${String(i).padStart(6, '0')}`;
    seeds.push({
      subscriptionId: subscriptionIds[s]!,
      resourceGroup: 'rg-desktops',
      name: `${deviceId}-os`,
      location: managedPrimaryRegion,
      sizeGB: o.diskGiB,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      securityType: 'TrustedLaunch',
      vm: { name: `vm-${deviceId}`, size: 'Standard_D2s_v5' },
    });
  }
  const diskIds = await double.seedDisks(seeds);
  const devices: DriverDevice[] = [];
  for (let i = 0; i < o.devices; i += 1) {
    const s = i % o.subscriptions;
    const deviceId = `dev-${String(i).padStart(6, '0')}`;
    devices.push({
      tenantId: fleetTenantId(s),
      deviceId,
      primaryRegion: managedPrimaryRegion,
      backupRegion: managedBackupRegion,
      disk: { kind: 'managedDisk', armId: diskIds[i]! },
      backupResourceGroups: groups[s]!,
    });
  }
  return { subscriptionIds, devices, diskIds };
}

/**
 * The most devices one subscription would get if the whole fleet were one tenant whose 2·S backup
 * groups (two per subscription) the product's rendezvous hash shards its devices over, against
 * ⌈N ÷ S⌉: what that placement would add to the busiest subscription's CopyStart load.
 */
export function placementSpread(
  deviceIds: readonly string[],
  subscriptions: number,
): { busiest: number; even: number } {
  const tenant = fleetTenantId(0);
  const groups = Array.from({ length: subscriptions }, (_, s) =>
    groupsPerSubscription.map((group) => `/subscriptions/${subscriptionId(s)}/resourceGroups/${group}`),
  ).flat();
  const bySubscription = new Map<string, number>();
  for (const id of deviceIds) {
    const group = backupResourceGroupFor(tenant, id, groups)!;
    const sub = group.split('/')[2]!;
    bySubscription.set(sub, (bySubscription.get(sub) ?? 0) + 1);
  }
  return {
    busiest: Math.max(0, ...bySubscription.values()),
    even: Math.ceil(deviceIds.length / subscriptions),
  };
}
