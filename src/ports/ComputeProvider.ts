import type { ManagedDiskFacts } from '../domain/managedDisk';
import type { RecoverySettings } from '../domain/recoverySettings';

/**
 * Where temporary Cloud PCs come from: Azure compute in production, a simulation here. Every
 * operation is idempotent by the device's name, so retries, duplicates and two control-plane
 * regions racing converge on one temporary device.
 */

export interface TemporaryDeviceRequest {
  /** Deterministic per recovery task (`temporaryDeviceName`). */
  name: string;
  /** The backup region it is created in. */
  region: string;
  /** What the new disk is a copy of: the restore point's data in that region. */
  image: RecoveryImage;
  /** Ties the device to its task: the sweeper removes devices whose task says they should not exist. */
  tags: TemporaryDeviceTags;
  /** The policy's recovery settings (subnets, fallback sizes, host pool): Azure compute needs them. */
  settings?: RecoverySettings;
  /** The device's user (UPN): assigned to the recovered desktop where the policy names a host pool. */
  user?: string;
}

export type RecoveryImage =
  /** A page-blob restore point (the embedded runtime): a read-only URL of its data. */
  | { kind: 'blobUrl'; url: string }
  /**
   * A managed-disk restore point: its snapshot's ARM id in the backup region (the VM goes in that
   * snapshot's resource group), and what the disk and its VM were, recorded at registration.
   */
  | {
      kind: 'managedSnapshot';
      snapshotId: string;
      disk: ManagedDiskFacts;
      /**
       * A customer-managed key's disk encryption set in the backup region, of the snapshot's
       * subscription: the new disk is encrypted with it, never with platform keys instead.
       */
      encryption?: { type: string; diskEncryptionSetId: string };
    };

export interface TemporaryDeviceTags {
  tenantId: string;
  activationId: string;
  deviceId: string;
}

export type TemporaryDeviceState =
  /** Creation started and not finished: check again later. */
  | { state: 'provisioning'; scope?: string }
  | { state: 'ready'; createdAt: string; scope?: string; connection?: TemporaryDeviceConnection }
  /** The creation failed (not for capacity): ensuring it again starts over. */
  | { state: 'failed'; reason: string };

/** Where the user connects: the DR host pool's session host the device registered as, with the user assigned. */
export interface TemporaryDeviceConnection {
  hostPoolId: string;
  sessionHost: string;
}

export interface TemporaryDevice {
  name: string;
  region: string;
  tags: TemporaryDeviceTags;
  status: TemporaryDeviceState;
  /** Where the provider made it, when it needs telling (Azure: the resource group's id). */
  scope?: string;
}

/**
 * Thrown when the region has no capacity or the subscription no quota for another device: the
 * caller waits and retries; nothing is lost.
 */
export class CapacityUnavailableError extends Error {
  constructor(
    readonly kind: 'no-capacity' | 'quota-exceeded',
    message: string,
  ) {
    super(message);
    this.name = 'CapacityUnavailableError';
  }
}

export interface ComputeProvider {
  /**
   * Starts creating the device if it does not exist, and returns its state; never waits for the
   * creation to finish. Throws `CapacityUnavailableError` when it cannot be started for capacity
   * or quota; other errors are failures of the attempt.
   */
  ensureTemporaryDevice(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState>;
  /** The device as it is now: `ready` as `ensureTemporaryDevice` would report it, with its connection. */
  getTemporaryDevice(region: string, name: string): Promise<TemporaryDevice | undefined>;
  /**
   * Deletes the device and everything made for it (disk, network interface, session host record),
   * even while it is still provisioning; a missing one is success. `scope` is what a state reported
   * (the task records it); without it the provider looks where it could have made the device.
   * `connection` is what a ready state reported (the task records it): its session host record is
   * removed by that name, with no walk of the pool, even when the VM that named the pool is
   * already gone (a deletion retried after a failure).
   */
  deleteTemporaryDevice(
    region: string,
    name: string,
    scope?: string,
    connection?: TemporaryDeviceConnection,
  ): Promise<void>;
  /** Every temporary device in the region, for the sweeper (a ready one's connection may be left out). */
  listTemporaryDevices(region: string): AsyncIterable<TemporaryDevice>;
  /**
   * For the sweeper: removes the DR host pool's session host records whose VM was one of this
   * provider's temporary devices in `resourceGroups` (the tenant's backup groups) and no longer
   * exists; returns their names. Absent where the provider registers no session hosts.
   */
  removeOrphanSessionHosts?(hostPoolId: string, resourceGroups: readonly string[]): Promise<string[]>;
}
