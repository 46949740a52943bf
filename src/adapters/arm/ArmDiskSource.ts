/**
 * The primary region's managed OS disks through ARM: what a disk is (registration), incremental
 * snapshots named by their slot, and their deletion. Every call goes through the clients' pipeline,
 * so the pacing layer sees it.
 */
import type { Disk } from '@azure/arm-compute';
import { parseArmResourceId, parseManagedDiskId, snapshotId } from '../../domain/armId';
import { describeDisk, type DiskRef, type DiskSnapshot, type ManagedDiskRef } from '../../domain/disk';
import { NotFoundError, UnavailableError } from '../../domain/errors';
import type { DiskEncryption, ManagedDiskFacts } from '../../domain/managedDisk';
import { managedSnapshotName, managedSnapshotTags } from '../../domain/managedDiskPlacement';
import type { DiskDescription, DiskSource, SnapshotSlot } from '../../ports/DiskSource';
import { armMessageOf, armStatusOf, isArmNotFound } from './armErrors';
import type { ComputeClients } from './createComputeClient';

const gib = 1024 ** 3;

export interface ArmDiskSourceOptions {
  /** How often a long-running operation (snapshot create, delete) is polled. */
  pollIntervalInMs?: number;
}

export class ArmDiskSource implements DiskSource {
  constructor(
    private readonly clients: ComputeClients,
    private readonly options: ArmDiskSourceOptions = {},
  ) {}

  async describe(region: string, disk: DiskRef): Promise<DiskDescription | undefined> {
    const id = managedId(disk);
    const client = this.clients.for(id.subscriptionId);
    let found: Disk;
    try {
      found = await client.disks.get(id.resourceGroup, id.name);
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      throw unavailable(region, err);
    }
    const facts = diskFacts(found);
    if (found.managedBy) {
      const vm = parseArmResourceId(found.managedBy);
      if (vm && vm.type.toLowerCase() === 'microsoft.compute/virtualmachines') {
        try {
          const machine = await this.clients
            .for(vm.subscriptionId)
            .virtualMachines.get(vm.resourceGroup, vm.name);
          facts.vm = {
            id: found.managedBy,
            ...(machine.hardwareProfile?.vmSize ? { size: machine.hardwareProfile.vmSize } : {}),
            ...(machine.zones?.[0] ? { zone: machine.zones[0] } : {}),
          };
          if (!facts.diskControllerTypes && machine.storageProfile?.diskControllerType)
            facts.diskControllerTypes = machine.storageProfile.diskControllerType;
        } catch (err) {
          if (!isArmNotFound(err)) throw unavailable(region, err);
          facts.vm = { id: found.managedBy };
        }
      }
    }
    return {
      sizeBytes: facts.sizeBytes,
      pageBlob: false,
      location: normaliseLocation(found.location),
      managedDisk: { ...facts, osDisk: !!found.osType },
    };
  }

  /**
   * Asks for an incremental snapshot (createOption Copy, `incremental: true`) in the disk's own
   * resource group and region, named and tagged by the slot: a retried or duplicated PUT is the
   * same resource. The first of a disk holds all its data, later ones only the changes
   * (learn.microsoft.com, "disks-incremental-snapshots"). Start–record–check: only the PUT's
   * submission is awaited, never its long-running operation; the snapshot is readable (and
   * copyable) once its provisioningState is Succeeded, which the copy step reads
   * (ManagedDiskRestorePointStore), and its size and encryption are read there too (0 and unset
   * here).
   */
  async snapshot(region: string, disk: DiskRef, slot?: SnapshotSlot): Promise<DiskSnapshot> {
    const id = managedId(disk);
    if (!slot) throw new TypeError('A managed disk snapshot is named by its slot: pass the slot');
    const name = managedSnapshotName(slot.tenantId, slot.deviceId, slot.takenAt, 'source');
    const client = this.clients.for(id.subscriptionId);
    try {
      const poller = client.snapshots.createOrUpdate(id.resourceGroup, name, {
        location: region,
        tags: managedSnapshotTags(slot.tenantId, slot.deviceId, slot.takenAt),
        incremental: true,
        creationData: { createOption: 'Copy', sourceResourceId: (disk as ManagedDiskRef).armId },
      });
      await poller.submitted();
    } catch (err) {
      if (isArmNotFound(err)) throw new NotFoundError(`Disk ${describeDisk(disk)} in ${region}`);
      throw unavailable(region, err);
    }
    return {
      region,
      disk: { ...disk },
      snapshotId: snapshotId(id.subscriptionId, id.resourceGroup, name),
      sizeBytes: 0,
    };
  }

  async deleteSnapshot(snapshot: DiskSnapshot): Promise<void> {
    await deleteArmSnapshot(this.clients, snapshot.snapshotId, this.options.pollIntervalInMs);
  }
}

/** Deletes a snapshot by its ARM id and waits until it is gone; a missing one is success. */
export async function deleteArmSnapshot(
  clients: ComputeClients,
  armId: string,
  pollIntervalInMs = 2_000,
): Promise<void> {
  const id = parseArmResourceId(armId);
  if (!id || id.type.toLowerCase() !== 'microsoft.compute/snapshots')
    throw new TypeError(`"${armId}" is not a snapshot's ARM id`);
  try {
    await clients.for(id.subscriptionId).snapshots.delete(id.resourceGroup, id.name, {
      updateIntervalInMs: pollIntervalInMs,
    });
  } catch (err) {
    if (!isArmNotFound(err)) throw err;
  }
}

function managedId(disk: DiskRef): { subscriptionId: string; resourceGroup: string; name: string } {
  if (disk.kind !== 'managedDisk') throw new TypeError(`Disk ${describeDisk(disk)} is not a managed disk`);
  const id = parseManagedDiskId(disk.armId);
  if (!id) throw new TypeError(`"${disk.armId}" is not a managed disk's ARM id`);
  return id;
}

function diskFacts(disk: Disk): ManagedDiskFacts {
  const sizeGB = disk.diskSizeGB ?? 0;
  return {
    sizeGB,
    sizeBytes: disk.diskSizeBytes ?? sizeGB * gib,
    osType: disk.osType ?? '',
    ...(disk.securityProfile?.securityType ? { securityType: disk.securityProfile.securityType } : {}),
    ...(disk.hyperVGeneration ? { hyperVGeneration: disk.hyperVGeneration } : {}),
    ...(disk.supportedCapabilities?.diskControllerTypes
      ? { diskControllerTypes: disk.supportedCapabilities.diskControllerTypes }
      : {}),
    ...(disk.zones?.[0] ? { zone: disk.zones[0] } : {}),
    encryption: encryptionOf(disk.encryption),
    ...(disk.networkAccessPolicy ? { networkAccessPolicy: disk.networkAccessPolicy } : {}),
  };
}

function encryptionOf(encryption: Disk['encryption']): DiskEncryption {
  return {
    ...(encryption?.type ? { type: encryption.type } : {}),
    ...(encryption?.diskEncryptionSetId ? { diskEncryptionSetId: encryption.diskEncryptionSetId } : {}),
  };
}

/** `West Europe` and `westeurope` are one region: ARM answers either. */
export function normaliseLocation(location: string | undefined): string | undefined {
  return location?.toLowerCase().replace(/\s+/g, '');
}

function unavailable(region: string, err: unknown): UnavailableError {
  const status = armStatusOf(err);
  return new UnavailableError(`ARM did not answer for ${region}: ${armMessageOf(err)}`, {
    dependency: `arm:${region}`,
    ...(status === 429 ? { worthRetryingNow: false } : {}),
    cause: err,
  });
}
