/** Where a device's disk lives: a page-blob VHD in its primary region's storage (managed disks later). */
export interface DiskRef {
  kind: 'pageBlob';
  container: string;
  blob: string;
}

/** A point-in-time, read-only image of a disk, taken in the primary region. */
export interface DiskSnapshot {
  region: string;
  disk: DiskRef;
  /** The snapshot's own id (for page blobs, the snapshot timestamp). */
  snapshotId: string;
  sizeBytes: number;
}
