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
import type { DiskRecord, SnapshotRecord, VmRecord } from './store';

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
