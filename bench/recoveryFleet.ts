/**
 * The `recovery-arm` benchmark's fleet, seeded straight into the ARM double: each device's restore
 * point is a snapshot in one of its subscription's backup resource groups in the backup region (as
 * the protection cycle leaves it; the cycle is not what is measured), plus the subnet each
 * subscription's NICs join. Devices go round-robin over subscriptions, then groups, so every
 * subscription holds ⌈N ÷ S⌉ or ⌊N ÷ S⌋ of them; recorded zones go round-robin over 1, 2, 3.
 *
 * The snapshots are made with PUTs from a principal of their own ("seeder", its own ARM buckets)
 * in rounds of the write burst, the double's clock moved on after each so the seeder never waits;
 * the run then moves the clock on once more so the control plane's buckets start full.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import type { ManagedDiskFacts } from '../src/domain/managedDisk';
import type { RecoverySettings } from '../src/domain/recoverySettings';
import type { TemporaryDeviceRequest } from '../src/ports/ComputeProvider';
import type { SeedDisk } from '../test/support/arm/startArmDouble';
import type { ThreadedArmDouble } from './threadedArmDouble';

export const recoveryRegion = 'northeurope';
const seeder = 'seeder';
/** The write bucket's burst: one round of PUTs never waits. */
const roundSize = 200;
/** Long enough for the seeder's buckets to refill and the snapshots' operations to end. */
const roundAdvanceMs = 30_000;
const inFlight = 32;
const seedChunk = 1_000;

export interface RecoveryFleetOptions {
  devices: number;
  subscriptions: number;
  /** Backup resource groups per subscription (each listed on its own by the provider). */
  groupsPerSubscription: number;
  diskGiB: number;
  /** The recorded VM size, then the policy's fallbacks. */
  size: string;
  fallbackSizes: string[];
  activationId: string;
}

export interface RecoveryFleet {
  subscriptionIds: string[];
  /** One request per device, in device order, as RecoveryWorker would make it. */
  requests: TemporaryDeviceRequest[];
  /** The resource groups (ids) temporary devices may be in. */
  backupGroups: string[];
  seedSeconds: number;
}

export function subscriptionId(index: number): string {
  return `00000000-0000-4000-8000-${(index + 1).toString(16).padStart(12, '0')}`;
}

/** What seeding needs of the double (threadedArmDouble.ts). */
export type SeedingDouble = Pick<
  ThreadedArmDouble,
  'seedSubnet' | 'seedDisks' | 'credentialFor' | 'clientOptions' | 'advance'
>;

export async function seedRecoveryFleet(
  double: SeedingDouble,
  o: RecoveryFleetOptions,
): Promise<RecoveryFleet> {
  const started = performance.now();
  const subscriptionIds = Array.from({ length: o.subscriptions }, (_, i) => subscriptionId(i));
  const subnets = subscriptionIds.map(
    (sub) =>
      `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/desktops`,
  );
  for (const subnet of subnets) await double.seedSubnet(subnet, recoveryRegion);
  const group = (g: number) => `rg-dr-${g + 1}`;
  const backupGroups = subscriptionIds.flatMap((sub) =>
    Array.from(
      { length: o.groupsPerSubscription },
      (_, g) => `/subscriptions/${sub}/resourceGroups/${group(g)}`,
    ),
  );
  const settings: RecoverySettings = {
    subnetIds: subnets,
    fallbackSizes: o.fallbackSizes,
    zones: ['1', '2', '3'],
  };

  const requests: TemporaryDeviceRequest[] = [];
  const snapshots: { sub: string; group: string; name: string; diskId: string }[] = [];
  const seeds: SeedDisk[] = [];
  for (let i = 0; i < o.devices; i += 1) {
    const s = i % o.subscriptions;
    const sub = subscriptionIds[s]!;
    const resourceGroup = group(Math.floor(i / o.subscriptions) % o.groupsPerSubscription);
    const deviceId = `dev-${String(i).padStart(6, '0')}`;
    const zone = String((i % 3) + 1);
    // The device's own disk, standing in for what the cycle copied: in the backup region so its
    // snapshot there is a plain Copy (a CopyStart would wait out a copy the run does not measure).
    seeds.push({
      subscriptionId: sub,
      resourceGroup: 'rg-sources',
      name: `${deviceId}-os`,
      location: recoveryRegion,
      sizeGB: o.diskGiB,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      securityType: 'TrustedLaunch',
      diskControllerTypes: 'SCSI',
    });
    const name = `rp-${deviceId}`;
    snapshots.push({ sub, group: resourceGroup, name, diskId: '' });
    const disk: ManagedDiskFacts = {
      sizeGB: o.diskGiB,
      sizeBytes: o.diskGiB * 2 ** 30,
      securityType: 'TrustedLaunch',
      hyperVGeneration: 'V2',
      diskControllerTypes: 'SCSI',
      osType: 'Windows',
      vm: {
        id: `/subscriptions/${sub}/resourceGroups/rg-desktops/providers/Microsoft.Compute/virtualMachines/vm-${deviceId}`,
        size: o.size,
        zone,
      },
      zone,
      encryption: {},
    };
    requests.push({
      name: `tmp-${o.activationId}-${deviceId}`,
      region: recoveryRegion,
      image: {
        kind: 'managedSnapshot',
        snapshotId: `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/snapshots/${name}`,
        disk,
      },
      tags: { tenantId: 'bench-tenant', activationId: o.activationId, deviceId },
      settings,
      user: `${deviceId}@bench.test`,
    });
  }

  // The disks in one message to the double's thread per chunk, not one per disk.
  for (let start = 0; start < seeds.length; start += seedChunk) {
    const ids = await double.seedDisks(seeds.slice(start, start + seedChunk));
    ids.forEach((id, i) => (snapshots[start + i]!.diskId = id));
  }

  const credential = double.credentialFor(seeder);
  const clients = new Map(
    subscriptionIds.map(
      (sub) => [sub, new ComputeManagementClient(credential, sub, double.clientOptions())] as const,
    ),
  );
  for (let start = 0; start < snapshots.length; start += roundSize) {
    const round = snapshots.slice(start, start + roundSize);
    let next = 0;
    const worker = async () => {
      while (next < round.length) {
        const s = round[next++]!;
        await clients
          .get(s.sub)!
          .snapshots.createOrUpdate(s.group, s.name, {
            location: recoveryRegion,
            incremental: true,
            creationData: { createOption: 'Copy', sourceResourceId: s.diskId },
          })
          .submitted();
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    double.advance(roundAdvanceMs);
  }
  return { subscriptionIds, requests, backupGroups, seedSeconds: (performance.now() - started) / 1000 };
}
