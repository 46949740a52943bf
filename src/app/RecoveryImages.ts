/**
 * What a recovery makes a device from: the restore point in the backup region (a page blob's URL
 * for the embedded runtime, a managed disk's snapshot in Azure), what the disk was, and the
 * policy's recovery settings. A device registered with a managed disk is recovered from the
 * managed-disk store's points; every other one from the page-blob store's.
 */
import type { RecoveryTask } from '../domain/recoveryTask';
import type { RecoveryImage } from '../ports/ComputeProvider';
import type { RecoverySettings } from '../domain/recoverySettings';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { RestorePointStore } from '../ports/RestorePointStore';
import { copyEncryptionFor } from '../domain/managedDisk';
import { parseArmResourceId } from '../domain/armId';
import type { ProtectionSettings } from './ProtectionSettings';

export interface RecoveryImageSource {
  point: { name: string; takenAt: string };
  image: RecoveryImage;
  settings?: RecoverySettings;
}

export type RecoveryImageResult = { ok: true; source: RecoveryImageSource } | { ok: false; reason: string };

export interface RecoveryImagesDependencies {
  devices: Pick<DeviceRegistry, 'get'>;
  /** The tenant and the policy, each read once a while per process, not once per message. */
  settings: ProtectionSettings;
  points: RestorePointStore;
  /** The managed-disk store; absent where no managed disk can be registered. */
  managedPoints?: RestorePointStore;
}

export class RecoveryImages {
  constructor(private readonly dependencies: RecoveryImagesDependencies) {}

  /**
   * The point `keep` while it is still there and verified (a retry stays on its point), else the
   * newest verified one. Storage or Cosmos failing here throws: the delivery fails and is repeated.
   */
  async find(task: RecoveryTask, keep: string | undefined): Promise<RecoveryImageResult> {
    const device = await this.dependencies.devices.get(task.tenantId, task.deviceId);
    if (!device) return { ok: false, reason: `Device ${task.deviceId} is no longer registered` };
    const managed = device.disk.kind === 'managedDisk';
    const store = managed ? this.dependencies.managedPoints : this.dependencies.points;
    if (!store) return { ok: false, reason: `This deployment cannot recover managed disks` };
    const found = await store.recoverySource(task.backupRegion, task.tenantId, task.deviceId, keep);
    if (!found)
      return { ok: false, reason: `No verified restore point of ${task.deviceId} in ${task.backupRegion}` };
    const point = { name: found.point.name, takenAt: found.point.takenAt };
    const settings = (await this.dependencies.settings.policy(device.tenantId, device.policyId))?.recovery;
    if (found.kind === 'blobUrl')
      return {
        ok: true,
        source: { point, image: { kind: 'blobUrl', url: found.url }, ...(settings ? { settings } : {}) },
      };
    if (!device.diskFacts)
      return { ok: false, reason: `Device ${task.deviceId} has no recorded disk facts: register it again` };
    const encryption = copyEncryptionFor(
      device.diskFacts.encryption,
      (await this.dependencies.settings.tenant(task.tenantId))?.backupDiskEncryptionSets?.[
        task.backupRegion
      ] ?? [],
      parseArmResourceId(found.snapshotId)?.subscriptionId ?? '',
      task.backupRegion,
    );
    if (!encryption.ok) return { ok: false, reason: encryption.reason };
    return {
      ok: true,
      source: {
        point,
        image: {
          kind: 'managedSnapshot',
          snapshotId: found.snapshotId,
          disk: device.diskFacts,
          ...(encryption.encryption ? { encryption: encryption.encryption } : {}),
        },
        ...(settings ? { settings } : {}),
      },
    };
  }
}
