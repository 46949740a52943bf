import type { DiskRef, DiskSnapshot } from '../domain/disk';
import type { ManagedDiskFacts } from '../domain/managedDisk';

export interface DiskDescription {
  sizeBytes: number;
  /** False for a blob of another type where a page-blob VHD was named. */
  pageBlob: boolean;
  /** A managed disk's region as ARM reports it (lower-case, no spaces). */
  location?: string;
  /** A managed disk's facts (size, security type, VM …); `osType` unset means not an OS disk. */
  managedDisk?: ManagedDiskFacts & { osDisk: boolean };
}

/** Which restore point a snapshot is taken for: a managed disk's snapshot is named by it. */
export interface SnapshotSlot {
  tenantId: string;
  deviceId: string;
  takenAt: Date;
}

/** The primary region's side: the device disks the control plane protects. */
export interface DiskSource {
  /** Undefined when the disk does not exist; throws when the region's storage cannot be reached. */
  describe(region: string, disk: DiskRef): Promise<DiskDescription | undefined>;
  /**
   * Takes a snapshot of the disk now. With a slot, a store that names snapshots (managed disks)
   * names it by the slot, so retries and both regions converge on one.
   */
  snapshot(region: string, disk: DiskRef, slot?: SnapshotSlot): Promise<DiskSnapshot>;
  /** Deletes a snapshot once no restore point needs it; a missing one is success. */
  deleteSnapshot(snapshot: DiskSnapshot): Promise<void>;
}
