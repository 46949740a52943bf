import type { DiskRef, DiskSnapshot } from '../domain/disk';

export interface DiskDescription {
  sizeBytes: number;
  /** False for a blob of another type where a page-blob VHD was named. */
  pageBlob: boolean;
}

/** The primary region's side: the device disks the control plane protects. */
export interface DiskSource {
  /** Undefined when the disk does not exist; throws when the region's storage cannot be reached. */
  describe(region: string, disk: DiskRef): Promise<DiskDescription | undefined>;
  /** Takes a snapshot of the disk now. */
  snapshot(region: string, disk: DiskRef): Promise<DiskSnapshot>;
  /** Deletes a snapshot once no restore point needs it; a missing one is success. */
  deleteSnapshot(snapshot: DiskSnapshot): Promise<void>;
}
