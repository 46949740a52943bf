/**
 * Where a device's disk lives: a page-blob VHD in its primary region's storage (the embedded
 * runtime), or an Azure managed disk named by its ARM resource id (production: Azure retired
 * unmanaged disks on 31 March 2026, so a VM boots only from a managed disk). OS disks only; data
 * disks are out of scope.
 */
import type { DiskEncryption, ManagedDiskFacts } from './managedDisk';

export interface PageBlobDiskRef {
  kind: 'pageBlob';
  container: string;
  blob: string;
}

export interface ManagedDiskRef {
  kind: 'managedDisk';
  /** `/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/disks/{name}`. */
  armId: string;
}

export type DiskRef = PageBlobDiskRef | ManagedDiskRef;

export type DiskKind = DiskRef['kind'];

/** A point-in-time, read-only image of a disk, taken in the primary region. */
export interface DiskSnapshot {
  region: string;
  disk: DiskRef;
  /** The snapshot's own id: for page blobs the snapshot timestamp, for managed disks its ARM id. */
  snapshotId: string;
  sizeBytes: number;
  /**
   * A managed disk's snapshot's encryption as ARM created it (the disk's own at that moment), so
   * its copy is encrypted alike even when the disk changed key after registration.
   */
  encryption?: DiskEncryption;
}

/** What a disk check found, with the facts recovery needs recorded while the primary is readable. */
export interface DiskFacts {
  managedDisk?: ManagedDiskFacts;
}

/** The disk as a message names it. */
export function describeDisk(disk: DiskRef): string {
  return disk.kind === 'pageBlob' ? `${disk.container}/${disk.blob}` : disk.armId;
}

/** Narrows to a page-blob disk, refusing another kind (a page-blob adapter handed a managed disk). */
export function pageBlobDisk(disk: DiskRef): PageBlobDiskRef {
  if (disk.kind !== 'pageBlob') throw new TypeError(`Disk ${describeDisk(disk)} is not a page blob`);
  return disk;
}
