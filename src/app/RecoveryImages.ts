/**
 * What a recovery makes a device from: the restore point in the backup region (a page blob's URL
 * for the embedded runtime, a managed disk's snapshot in Azure), what the disk was, and the
 * policy's recovery settings. A device registered with a managed disk is recovered from the
 * managed-disk store's points; every other one from the page-blob store's.
 */
import { BoundedCache } from '../domain/BoundedCache';
import type { Device } from '../domain/device';
import type { Policy } from '../domain/policy';
import type { RecoveryTask } from '../domain/recoveryTask';
import type { RecoveryImage } from '../ports/ComputeProvider';
import type { RecoverySettings } from '../domain/recoverySettings';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { PolicyStore } from '../ports/PolicyStore';
import type { RestorePointStore } from '../ports/RestorePointStore';
import type { Clock } from '../ports/Clock';
import type { TenantStore } from '../ports/TenantStore';
import { copyEncryptionFor } from '../domain/managedDisk';
import { parseArmResourceId } from '../domain/armId';

export interface RecoveryImageSource {
  point: { name: string; takenAt: string };
  image: RecoveryImage;
  settings?: RecoverySettings;
}

export type RecoveryImageResult = { ok: true; source: RecoveryImageSource } | { ok: false; reason: string };

export interface RecoveryImagesDependencies {
  devices: Pick<DeviceRegistry, 'get'>;
  policies: Pick<PolicyStore, 'get'>;
  tenants: Pick<TenantStore, 'get'>;
  points: RestorePointStore;
  /** The managed-disk store; absent where no managed disk can be registered. */
  managedPoints?: RestorePointStore;
  /** Cached reads are judged on this process's own wall clock. */
  wallClock: Clock;
}

/** Policies change rarely while their devices recover: each is read once a while per process. */
const policyTtlInMs = 30_000;

export class RecoveryImages {
  private readonly policies = new BoundedCache<Promise<Policy | undefined>>({
    maxEntries: 1_000,
    ttlInMs: policyTtlInMs,
  });

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
    const settings = (await this.policy(device))?.recovery;
    if (found.kind === 'blobUrl')
      return {
        ok: true,
        source: { point, image: { kind: 'blobUrl', url: found.url }, ...(settings ? { settings } : {}) },
      };
    if (!device.diskFacts)
      return { ok: false, reason: `Device ${task.deviceId} has no recorded disk facts: register it again` };
    const encryption = copyEncryptionFor(
      device.diskFacts.encryption,
      (await this.dependencies.tenants.get(task.tenantId))?.backupDiskEncryptionSets?.[task.backupRegion] ??
        [],
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

  private policy(device: Device): Promise<Policy | undefined> {
    const key = `${device.tenantId}/${device.policyId}`;
    const now = this.dependencies.wallClock.now().getTime();
    const hit = this.policies.get(key, now);
    if (hit) return hit;
    const value = this.dependencies.policies.get(device.tenantId, device.policyId);
    this.policies.set(key, value, now);
    value.catch(() => this.policies.delete(key, value));
    return value;
  }
}
