/** Clients for a device disk and its snapshots in the primary region's storage. */
import type { PageBlobClient } from '@azure/storage-blob';
import type { DiskRef, DiskSnapshot } from '../../domain/disk';
import { regionClient, type RegionClients } from './regionClient';

export function diskBlobClient(clients: RegionClients, region: string, disk: DiskRef): PageBlobClient {
  if (disk.kind !== 'pageBlob') throw new TypeError(`Unsupported disk kind "${String(disk.kind)}"`);
  return regionClient(clients, region).getContainerClient(disk.container).getPageBlobClient(disk.blob);
}

/** The snapshot, never the live disk: an empty snapshot id would silently address the disk itself. */
export function snapshotBlobClient(clients: RegionClients, snapshot: DiskSnapshot): PageBlobClient {
  if (!snapshot.snapshotId) throw new TypeError('A disk snapshot needs a snapshot id');
  return diskBlobClient(clients, snapshot.region, snapshot.disk).withSnapshot(snapshot.snapshotId);
}
