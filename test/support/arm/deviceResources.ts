/**
 * What the double's own compute tests make a recovered device from, through the real SDK clients:
 * a seeded OS disk's snapshot (the restore point), and the VM body the provider PUTs on the disk
 * and NIC made from it.
 */
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type { ArmDouble, SeedDisk } from './startArmDouble';

/** Long-running operations polled every 10 ms: the double's are milliseconds of real time. */
const fast = { updateIntervalInMs: 10 };

/**
 * Seeds `disk` and takes an incremental snapshot of it (createOption Copy) named `snapshotName`
 * in the disk's group and region; returns the snapshot's id.
 */
export async function seedSourceSnapshot(
  double: Pick<ArmDouble, 'seedDisk'>,
  compute: ComputeManagementClient,
  disk: SeedDisk,
  snapshotName: string,
): Promise<string> {
  const diskId = await double.seedDisk(disk);
  await compute.snapshots.createOrUpdate(
    disk.resourceGroup,
    snapshotName,
    {
      location: disk.location,
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: diskId },
    },
    fast,
  );
  return `/subscriptions/${disk.subscriptionId}/resourceGroups/${disk.resourceGroup}/providers/Microsoft.Compute/snapshots/${snapshotName}`;
}

export interface AttachedVm {
  location: string;
  /** The OS disk attached, deleted with the VM. */
  diskId: string;
  /** The primary NIC, deleted with the VM. */
  nicId: string;
  /** Default Standard_D2s_v5. */
  size?: string;
  /** Default '1'. */
  zone?: string;
}

/** A Trusted Launch Windows VM on an existing OS disk and NIC, as the provider PUTs a recovered device's. */
export function attachedVmBody({ location, diskId, nicId, size, zone }: AttachedVm): VirtualMachine {
  return {
    location,
    zones: [zone ?? '1'],
    hardwareProfile: { vmSize: size ?? 'Standard_D2s_v5' },
    storageProfile: {
      osDisk: {
        createOption: 'Attach',
        osType: 'Windows',
        managedDisk: { id: diskId },
        deleteOption: 'Delete',
      },
    },
    networkProfile: {
      networkInterfaces: [{ id: nicId, primary: true, deleteOption: 'Delete' }],
    },
    securityProfile: {
      securityType: 'TrustedLaunch',
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    },
  };
}
