/**
 * The activation's half of a run (`--only activation`) starts from seeded restore points instead of
 * a cycle: at N = 50,000 the cycle takes over an hour, these minutes. For each device, one verified
 * point in the backup region as the restore-point worker leaves it — the blob named by the
 * product's `restorePointName`, described by its `newPointMetadata` and marked verified with a hash,
 * and the device's record moved by the product's `DeviceStore.recordVerified` — made directly: one
 * server-side copy of the device's disk (the point must be a finished copy, as the recovery worker
 * checks), the read snapshot the full-copy store takes when it marks a point verified, and one
 * record. The activation reads only that (the newest verified point of each device,
 * its `lastVerifiedAt`), so how the point was made does not reach it.
 */
import { BlobSASPermissions, type BlobServiceClient } from '@azure/storage-blob';
import { readSnapshotMetadata } from '../src/adapters/blob/FullCopyRestorePointStore';
import { restorePointsContainerName } from '../src/adapters/blob/RestorePointCatalog';
import { newPointMetadata, PointMetadata } from '../src/adapters/blob/restorePointMetadata';
import { restorePointName } from '../src/adapters/blob/restorePointName';
import { mapConcurrently } from '../src/app/mapConcurrently';
import { installedStores } from '../src/compositionRoot';
import { LocalRegions } from '../src/local/localSettings';
import { diskContainer } from './fleet';

export interface SeedInput {
  primary: BlobServiceClient;
  backup: BlobServiceClient;
  tenantId: string;
  ids: readonly string[];
  /** The slot the point is of, as the cycle's scheduler would have set it. */
  takenAt: Date;
  /** The business clock's time the point is recorded at. */
  now: Date;
  diskBytes: number;
  concurrency: number;
}

export async function seedRestorePoints(input: SeedInput): Promise<void> {
  const { tenantId, takenAt, diskBytes } = input;
  const devices = installedStores().devices;
  const disks = input.primary.getContainerClient(diskContainer);
  const container = input.backup.getContainerClient(restorePointsContainerName);
  await container.createIfNotExists();
  const expiresOn = new Date(Date.now() + 3_600_000);
  await mapConcurrently(input.ids, input.concurrency, async (id) => {
    const device = await devices.get(tenantId, id);
    if (!device) throw new Error(`Seeding restore points: device ${id} is not registered`);
    const disk = disks.getBlobClient(`${id}.vhd`);
    const name = restorePointName(tenantId, id, takenAt);
    const metadata = {
      ...newPointMetadata(
        {
          region: LocalRegions.primary,
          disk: { kind: 'pageBlob', container: diskContainer, blob: `${id}.vhd` },
          snapshotId: 'seeded',
          sizeBytes: diskBytes,
        },
        { region: LocalRegions.backup, tenantId, deviceId: id, takenAt, kind: 'scheduled' },
      ),
      [PointMetadata.verified]: 'true',
      // Never checked again on the way to a temporary device; a verified point must carry one.
      [PointMetadata.hash]: 'seeded',
    };
    const source = await disk.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn });
    const copy = await container.getBlobClient(name).beginCopyFromURL(source, { metadata });
    const { copyStatus } = await copy.pollUntilDone();
    if (copyStatus !== 'success') throw new Error(`Seeding the point of ${id}: copy ${copyStatus}`);
    await container.getBlobClient(name).createSnapshot({ metadata: { [readSnapshotMetadata]: 'true' } });
    await devices.recordVerified(device, { takenAt, name }, input.now);
  });
}
