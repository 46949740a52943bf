/**
 * The request bodies of a temporary device's resources. Pure, so two processes ensuring one
 * device send the same body, and a repeated PUT converges instead of changing the resource.
 */
import type { Disk, VirtualMachine, VirtualMachineRunCommand } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import type { ManagedDiskFacts } from '../../../domain/managedDisk';
import type { Placement } from './placement';
import {
  registerSessionHostScript,
  registrationTimeoutInSeconds,
  registrationTokenParameter,
} from './registerSessionHost.ps1';
import { isConfidential } from './sizeFit';
import { zonesTriedTag } from './temporaryDeviceResources';

/** On the VM: the DR host pool it registers with, so a deletion without settings still finds its session host. */
export const hostPoolTag = 'dr-host-pool';

/**
 * A disk copied from the restore point's snapshot, in the zone the VM will use ("A zonal disk
 * attaches only to a VM in its zone"). `Copy` of a snapshot makes a full, usable disk at once and
 * keeps the snapshot's security profile, so a Trusted Launch disk stays one
 * (learn.microsoft.com/azure/virtual-machines/trusted-launch-existing-vm, "Create a VM from a disk").
 */
export function diskBody(args: {
  region: string;
  zone: string | undefined;
  snapshotId: string;
  /** A customer-managed key's set in this region and subscription (as the restore point's copy). */
  encryption?: { type: string; diskEncryptionSetId: string };
  sku: string;
  tags: Record<string, string>;
  zonesTried: readonly string[];
}): Disk {
  return {
    location: args.region,
    tags: { ...args.tags, [zonesTriedTag]: args.zonesTried.join(',') },
    ...(args.zone ? { zones: [args.zone] } : {}),
    ...(args.encryption ? { encryption: args.encryption } : {}),
    sku: { name: args.sku },
    creationData: { createOption: 'Copy', sourceResourceId: args.snapshotId },
  };
}

/** A NIC in the policy's subnet of the device's subscription (a NIC and its VNet share a subscription and region). */
export function nicBody(region: string, subnetId: string, tags: Record<string, string>): NetworkInterface {
  return {
    location: region,
    tags,
    ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' }],
  };
}

/**
 * The security type a VM attaching `disk` declares: it must be the disk's
 * (learn.microsoft.com/azure/virtual-machines/trusted-launch-faq; a confidential disk needs a
 * confidential VM with the matching encryption type, learn.microsoft.com/azure/confidential-computing/
 * confidential-vm-overview). Secure boot is on for both: the default of every Trusted Launch VM.
 */
export function vmSecurity(securityType: string | undefined): {
  securityProfile?: VirtualMachine['securityProfile'];
  diskEncryptionType?: string;
} {
  const uefiSettings = { secureBootEnabled: true, vTpmEnabled: true };
  if (/^trustedlaunch$/i.test(securityType ?? ''))
    return { securityProfile: { securityType: 'TrustedLaunch', uefiSettings } };
  if (isConfidential(securityType)) {
    const diskEncryptionType = /VMGuestStateOnly/i.test(securityType!)
      ? 'VMGuestStateOnly'
      : /NonPersistedTPM/i.test(securityType!)
        ? 'NonPersistedTPM'
        : 'DiskWithVMGuestState';
    return { securityProfile: { securityType: 'ConfidentialVM', uefiSettings }, diskEncryptionType };
  }
  return {};
}

/**
 * The VM attaching the recovered disk (`createOption: Attach`, learn.microsoft.com/azure/
 * virtual-machines/attach-os-disk), with its NIC; both go with the VM when it is deleted
 * (`deleteOption: Delete`, learn.microsoft.com/azure/virtual-machines/delete, "Delete a VM and
 * attached resources"). A capacity reservation group of the device's subscription, when the policy
 * names one, makes the VM draw on reserved capacity (learn.microsoft.com/azure/virtual-machines/
 * capacity-reservation-associate-vm). `licenseType: Windows_Client` applies the Windows licence of
 * an AVD session host (learn.microsoft.com/azure/virtual-desktop/apply-windows-license).
 */
export function vmBody(args: {
  region: string;
  placement: Placement;
  diskId: string;
  nicId: string;
  disk: Pick<ManagedDiskFacts, 'osType' | 'securityType'>;
  tags: Record<string, string>;
  zonesTried: readonly string[];
  hostPoolId?: string;
  capacityReservationGroupId?: string;
}): VirtualMachine {
  const security = vmSecurity(args.disk.securityType);
  const windows = /^windows$/i.test(args.disk.osType);
  return {
    location: args.region,
    tags: {
      ...args.tags,
      [zonesTriedTag]: args.zonesTried.join(','),
      ...(args.hostPoolId ? { [hostPoolTag]: args.hostPoolId } : {}),
    },
    ...(args.placement.zone ? { zones: [args.placement.zone] } : {}),
    hardwareProfile: { vmSize: args.placement.size },
    storageProfile: {
      osDisk: {
        osType: windows ? 'Windows' : 'Linux',
        createOption: 'Attach',
        deleteOption: 'Delete',
        managedDisk: {
          id: args.diskId,
          ...(security.diskEncryptionType
            ? { securityProfile: { securityEncryptionType: security.diskEncryptionType } }
            : {}),
        },
      },
      ...(args.placement.diskControllerType ? { diskControllerType: args.placement.diskControllerType } : {}),
    },
    networkProfile: { networkInterfaces: [{ id: args.nicId, primary: true, deleteOption: 'Delete' }] },
    ...(security.securityProfile ? { securityProfile: security.securityProfile } : {}),
    ...(args.capacityReservationGroupId
      ? { capacityReservation: { capacityReservationGroup: { id: args.capacityReservationGroupId } } }
      : {}),
    ...(windows ? { licenseType: 'Windows_Client' } : {}),
  };
}

/** The managed Run Command that re-registers the guest with the DR pool, the token protected. */
export function registrationRunCommandBody(region: string, token: string): VirtualMachineRunCommand {
  return {
    location: region,
    source: { script: registerSessionHostScript },
    protectedParameters: [{ name: registrationTokenParameter, value: token }],
    asyncExecution: false,
    timeoutInSeconds: registrationTimeoutInSeconds,
  };
}
