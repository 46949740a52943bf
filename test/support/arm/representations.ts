/**
 * The JSON ARM answers with, shaped after the REST API specification's examples (x-ms-examples,
 * azure-rest-api-specs, specification/compute/resource-manager/Microsoft.Compute/):
 * - disks: DiskRP/stable/2023-04-02/examples/diskExamples/Disk_Get.json
 * - snapshots: DiskRP/stable/2023-04-02/examples/snapshotExamples/Snapshot_GetIncrementalSnapshot.json,
 *   Snapshot_Create_FromAnExistingSnapshotInDifferentRegion.json (CopyStart: 200/202 bodies with
 *   provisioningState "Updating")
 * - SAS: snapshotExamples/Snapshot_BeginGetAccess.json ({ accessSAS })
 * - virtual machines: ComputeRP/stable/…/examples/virtualMachineExamples/VirtualMachine_Get.json
 */
import type { CopyEngine } from './copyEngine';
import type { DiskRecord, MadeVm, NicRecord, SnapshotRecord, SubnetRecord, VmRecord } from './store';

const GIB = 1024 ** 3;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function securityProfile(disk: DiskRecord): { securityType: string } | undefined {
  const type = disk.seed.securityType;
  return type && type !== 'Standard' ? { securityType: type } : undefined;
}

function encryption(disk: DiskRecord): { type: string; diskEncryptionSetId?: string } {
  return disk.seed.encryption ?? { type: 'EncryptionAtRestWithPlatformKey' };
}

export function diskJson(disk: DiskRecord): unknown {
  const seed = disk.seed;
  return {
    id: disk.id,
    name: seed.name,
    type: 'Microsoft.Compute/disks',
    location: seed.location,
    ...(seed.zone ? { zones: [seed.zone] } : {}),
    ...(disk.managedBy ? { managedBy: disk.managedBy } : {}),
    sku: { name: 'Premium_LRS', tier: 'Premium' },
    properties: {
      osType: seed.osType,
      hyperVGeneration: seed.hyperVGeneration,
      creationData: { createOption: 'FromImage' },
      diskSizeGB: seed.sizeGB,
      diskSizeBytes: seed.sizeGB * GIB,
      uniqueId: disk.uniqueId,
      encryption: encryption(disk),
      networkAccessPolicy: seed.networkAccessPolicy ?? 'AllowAll',
      ...(securityProfile(disk) ? { securityProfile: securityProfile(disk) } : {}),
      ...(seed.diskControllerTypes
        ? { supportedCapabilities: { diskControllerTypes: seed.diskControllerTypes } }
        : {}),
      timeCreated: iso(disk.timeCreated),
      provisioningState: 'Succeeded',
      diskState: disk.managedBy ? 'Attached' : 'Unattached',
    },
  };
}

export function vmJson(vm: VmRecord, disk: DiskRecord | undefined): unknown {
  return {
    id: vm.id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    ...(vm.zone ? { zones: [vm.zone] } : {}),
    properties: {
      hardwareProfile: { vmSize: vm.size },
      storageProfile: {
        osDisk: {
          osType: vm.osType,
          name: vm.osDiskName,
          createOption: 'FromImage',
          caching: 'ReadWrite',
          managedDisk: { id: vm.osDiskId, storageAccountType: 'Premium_LRS' },
          ...(disk ? { diskSizeGB: disk.seed.sizeGB } : {}),
        },
        dataDisks: [],
      },
      ...(disk && securityProfile(disk) ? { securityProfile: securityProfile(disk) } : {}),
      provisioningState: 'Succeeded',
    },
  };
}

export function snapshotJson(
  snapshot: SnapshotRecord,
  disk: DiskRecord | undefined,
  copies: CopyEngine,
  now: number,
  encryptionOverride?: unknown,
): unknown {
  const provisioningState = now < snapshot.lroDoneAt ? 'Updating' : 'Succeeded';
  const completionPercent = copies.completionPercent(snapshot, now);
  const error = snapshot.copy?.error;
  return {
    id: snapshot.id,
    name: snapshot.name,
    type: 'Microsoft.Compute/snapshots',
    location: snapshot.location,
    tags: snapshot.tags,
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    properties: {
      ...(disk ? { osType: disk.seed.osType, hyperVGeneration: disk.seed.hyperVGeneration } : {}),
      creationData: {
        createOption: snapshot.createOption,
        sourceResourceId: snapshot.sourceResourceId,
        sourceUniqueId: snapshot.sourceUniqueId,
      },
      ...(disk ? { diskSizeGB: disk.seed.sizeGB, diskSizeBytes: disk.seed.sizeGB * GIB } : {}),
      encryption:
        encryptionOverride ?? (disk ? encryption(disk) : { type: 'EncryptionAtRestWithPlatformKey' }),
      ...(disk && securityProfile(disk) ? { securityProfile: securityProfile(disk) } : {}),
      ...(disk?.seed.diskControllerTypes
        ? { supportedCapabilities: { diskControllerTypes: disk.seed.diskControllerTypes } }
        : {}),
      incremental: true,
      networkAccessPolicy: snapshot.networkAccessPolicy,
      diskState: snapshot.sasUntil !== undefined && snapshot.sasUntil > now ? 'ActiveSAS' : 'Unattached',
      uniqueId: snapshot.uniqueId,
      incrementalSnapshotFamilyId: disk?.uniqueId,
      timeCreated: iso(snapshot.timeCreated),
      provisioningState,
      ...(completionPercent !== undefined ? { completionPercent } : {}),
      ...(error ? { copyCompletionError: error } : {}),
    },
  };
}

// ---- Issue 29: disks made by PUT, NICs, subnets, VMs made by PUT ----
// Shapes after DiskRP examples (Disk_Create_WithSnapshotSource… / Disk_Get.json), Network's
// NetworkInterfaceGet.json and ComputeRP's VirtualMachine_Get_WithInstanceView.json.

export function madeDiskJson(disk: DiskRecord, now: number): unknown {
  const made = disk.made;
  const base = diskJson(disk) as { properties: Record<string, unknown> } & Record<string, unknown>;
  if (!made) return base;
  return {
    ...base,
    tags: made.tags,
    sku: { name: made.skuName, tier: made.skuName.startsWith('Premium') ? 'Premium' : 'Standard' },
    properties: {
      ...base.properties,
      creationData: {
        createOption: 'Copy',
        sourceResourceId: made.sourceResourceId,
        sourceUniqueId: made.sourceUniqueId,
      },
      provisioningState: now < made.lroDoneAt ? 'Updating' : 'Succeeded',
    },
  };
}

export function subnetJson(subnet: SubnetRecord): unknown {
  return {
    id: subnet.id,
    name: subnet.id.split('/').pop(),
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: { provisioningState: 'Succeeded', addressPrefix: '10.0.0.0/16' },
  };
}

export function nicJson(nic: NicRecord, now: number, lroDoneAt: number | undefined): unknown {
  const state = lroDoneAt !== undefined && now < lroDoneAt ? 'Updating' : 'Succeeded';
  return {
    id: nic.id,
    name: nic.name,
    type: 'Microsoft.Network/networkInterfaces',
    location: nic.location,
    tags: nic.tags,
    etag: `W/"${nic.resourceGuid}"`,
    properties: {
      provisioningState: state,
      resourceGuid: nic.resourceGuid,
      ipConfigurations: [
        {
          id: `${nic.id}/ipConfigurations/${nic.ipConfigurationName}`,
          name: nic.ipConfigurationName,
          type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
          properties: {
            provisioningState: state,
            privateIPAddress: nic.privateIPAddress,
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddressVersion: 'IPv4',
            subnet: { id: nic.subnetId },
            primary: true,
          },
        },
      ],
      ...(nic.virtualMachineId ? { virtualMachine: { id: nic.virtualMachineId } } : {}),
      nicType: 'Standard',
      enableAcceleratedNetworking: false,
      enableIPForwarding: false,
    },
  };
}

/** provisioningState of a made VM at `now` (rules vm.provisioning.model, vm.allocation.failed, vm.provisioning.stuck). */
export function madeVmState(made: MadeVm, now: number): 'Creating' | 'Updating' | 'Succeeded' | 'Failed' {
  if (now < made.readyAt) return made.phase;
  return made.failure ? 'Failed' : 'Succeeded';
}

function vmInstanceView(vm: VmRecord, made: MadeVm, now: number): unknown {
  const state = madeVmState(made, now);
  const time = new Date(Math.min(now, made.readyAt)).toISOString();
  const provisioning =
    state === 'Failed'
      ? {
          code: `ProvisioningState/failed/${made.failure?.code ?? 'Unknown'}`,
          level: 'Error',
          displayStatus: 'Provisioning failed',
          message: made.failure?.message,
          time,
        }
      : state === 'Succeeded'
        ? {
            code: 'ProvisioningState/succeeded',
            level: 'Info',
            displayStatus: 'Provisioning succeeded',
            time,
          }
        : { code: `ProvisioningState/${state.toLowerCase()}`, level: 'Info', displayStatus: state };
  const power =
    state === 'Succeeded'
      ? { code: 'PowerState/running', level: 'Info', displayStatus: 'VM running' }
      : state === 'Failed'
        ? { code: 'PowerState/stopped', level: 'Info', displayStatus: 'VM stopped' }
        : { code: 'PowerState/starting', level: 'Info', displayStatus: 'VM starting' };
  const agentReady = state === 'Succeeded' && now >= made.agentReadyAt;
  return {
    computerName: vm.name,
    osName: vm.osType === 'Windows' ? 'Windows' : 'Linux',
    vmAgent: agentReady
      ? {
          vmAgentVersion: '2.7.41491.1102',
          statuses: [
            {
              code: 'ProvisioningState/succeeded',
              level: 'Info',
              displayStatus: 'Ready',
              message: 'GuestAgent is running and processing the extensions.',
              time: new Date(made.agentReadyAt).toISOString(),
            },
          ],
        }
      : {
          vmAgentVersion: 'Unknown',
          statuses: [
            {
              code: 'ProvisioningState/Unavailable',
              level: 'Warning',
              displayStatus: 'Not Ready',
              message: 'VM status blob is found but not yet populated.',
            },
          ],
        },
    disks: [{ name: vm.osDiskName, statuses: [provisioning] }],
    statuses: [provisioning, power],
  };
}

export function madeVmJson(
  vm: VmRecord,
  disk: DiskRecord | undefined,
  now: number,
  expandInstanceView: boolean,
): unknown {
  const made = vm.made;
  if (!made) return vmJson(vm, disk);
  return {
    id: vm.id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: made.tags,
    ...(vm.zone ? { zones: [vm.zone] } : {}),
    properties: {
      vmId: made.vmId,
      hardwareProfile: { vmSize: vm.size },
      storageProfile: {
        osDisk: {
          osType: vm.osType,
          name: vm.osDiskName,
          createOption: 'Attach',
          caching: 'ReadWrite',
          managedDisk: { id: vm.osDiskId, storageAccountType: made.storageAccountType },
          deleteOption: made.osDiskDeleteOption,
          ...(disk ? { diskSizeGB: disk.seed.sizeGB } : {}),
        },
        dataDisks: [],
      },
      networkProfile: {
        networkInterfaces: made.nics.map((n) => ({
          id: n.id,
          properties: { primary: n.primary, deleteOption: n.deleteOption },
        })),
      },
      ...(made.securityProfile ? { securityProfile: made.securityProfile } : {}),
      ...(made.capacityReservationGroupId
        ? { capacityReservation: { capacityReservationGroup: { id: made.capacityReservationGroupId } } }
        : {}),
      provisioningState: madeVmState(made, now),
      timeCreated: new Date(made.timeCreated).toISOString(),
      ...(expandInstanceView ? { instanceView: vmInstanceView(vm, made, now) } : {}),
    },
  };
}
