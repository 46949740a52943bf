/**
 * Restore points as full server-side copies of the primary snapshot, one page blob per point in the
 * backup region: the store of the embedded runtime, since Azurite has no incremental copy.
 */
import type { BlobGetPropertiesResponse, BlobServiceClient } from '@azure/storage-blob';
import type { DiskSnapshot } from '../../domain/disk';
import type { RestorePoint } from '../../domain/restorePoint';
import type {
  CopyStatus,
  RestorePointStore,
  RestorePointTarget,
  VerifyResult,
} from '../../ports/RestorePointStore';
import { comparePageBlobs } from './comparePageBlobs';
import { snapshotBlobClient } from './diskBlobClient';
import { regionClient } from './regionClient';
import { RestorePointCatalog } from './RestorePointCatalog';
import { newPointMetadata, PointMetadata } from './restorePointMetadata';
import type { SamplingOptions } from './sampleRanges';
import { snapshotReadUrl, type SnapshotReadUrlOptions } from './snapshotReadUrl';
import { errorCodeOf, firstLine, isAlreadyExists, isNotFound } from './storageErrors';

export interface FullCopyRestorePointStoreOptions {
  /** Container of the points in each backup region; `restore-points` by default. */
  containerName?: string;
  sampling?: SamplingOptions;
  readUrl?: SnapshotReadUrlOptions;
}

export class FullCopyRestorePointStore implements RestorePointStore {
  private readonly catalog: RestorePointCatalog;

  /** `clients` holds every region involved: the primary (to read snapshots) and the backup regions. */
  constructor(
    private readonly clients: ReadonlyMap<string, BlobServiceClient>,
    private readonly options: FullCopyRestorePointStoreOptions = {},
  ) {
    this.catalog = new RestorePointCatalog(clients, options.containerName);
  }

  /**
   * Starts an asynchronous Copy Blob from the snapshot (through a read-only SAS) and returns without
   * waiting. `If-None-Match: *` makes a retried or duplicated start fail on an existing point
   * instead of overwriting it; that point's own status is reported then.
   */
  async startCopy(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.catalog.nameOf(target);
    // Checks the snapshot's region and id before anything is created.
    snapshotBlobClient(this.clients, snapshot);
    const container = await this.catalog.ensureContainer(target.region);
    const sourceUrl = await snapshotReadUrl(
      regionClient(this.clients, snapshot.region),
      { container: snapshot.disk.container, blob: snapshot.disk.blob, snapshotId: snapshot.snapshotId },
      this.options.readUrl,
    );
    try {
      const poller = await container.getBlobClient(name).beginCopyFromURL(sourceUrl, {
        metadata: newPointMetadata(snapshot, target),
        conditions: { ifNoneMatch: '*' },
      });
      // Only the start is awaited: the service may finish a small copy at once, or leave it running.
      return poller.getOperationState().result?.copyStatus === 'success'
        ? { state: 'copied' }
        : { state: 'pending' };
    } catch (err) {
      if (isAlreadyExists(err) || errorCodeOf(err) === 'PendingCopyOperation')
        return await this.checkCopy(target);
      // The destination container was just ensured, so a 404 is the source: retrying cannot help.
      if (isNotFound(err)) {
        return { state: 'failed', reason: `the source snapshot cannot be read: ${firstLine(err)}` };
      }
      throw err;
    }
  }

  async checkCopy(target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.catalog.nameOf(target);
    const read = await this.catalog.read(target.region, name);
    if (!read) return { state: 'failed', reason: `restore point ${name} does not exist` };
    return copyStatusOf(read);
  }

  async verify(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<VerifyResult> {
    const name = this.catalog.nameOf(target);
    const source = snapshotBlobClient(this.clients, snapshot);
    const read = await this.catalog.read(target.region, name);
    if (!read) return { ok: false, reason: `restore point ${name} does not exist` };
    if (read.copyStatus !== 'success')
      return { ok: false, reason: `copy status is ${read.copyStatus ?? 'unknown'}, not success` };
    const copiedFrom = read.metadata?.[PointMetadata.sourceSnapshot];
    if (copiedFrom !== snapshot.snapshotId) {
      return {
        ok: false,
        reason: `the point was copied from snapshot ${copiedFrom ?? 'unknown'}, not ${snapshot.snapshotId}`,
      };
    }
    if (read.blobType !== 'PageBlob')
      return {
        ok: false,
        reason: `the point is a ${read.blobType ?? 'blob of unknown type'}, not a page blob`,
      };

    const result = await comparePageBlobs(
      source,
      this.catalog.container(target.region).getPageBlobClient(name),
      this.options.sampling,
    );
    if (!result.ok) return result;
    // The stamp is conditional on the ETag read before comparing: a point replaced meanwhile fails it.
    if (!(await this.catalog.stampChecked(target.region, name, read, result.hash))) {
      return { ok: false, reason: 'the point changed while it was being verified' };
    }
    return result;
  }

  async markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint> {
    return await this.catalog.markVerified(target, hash);
  }

  /** A full copy stands alone: the snapshot it came from is no longer needed. */
  async releaseSource(snapshot: DiskSnapshot, _target: RestorePointTarget): Promise<DiskSnapshot[]> {
    return [snapshot];
  }

  async remove(region: string, name: string): Promise<void> {
    await this.catalog.delete(region, name);
  }

  async list(region: string, deviceId: string): Promise<RestorePoint[]> {
    return await this.catalog.list(region, deviceId);
  }

  async latestVerified(region: string, deviceId: string): Promise<RestorePoint | undefined> {
    return await this.catalog.latestVerified(region, deviceId);
  }
}

function copyStatusOf(read: BlobGetPropertiesResponse): CopyStatus {
  if (read.metadata?.[PointMetadata.verified] === 'true') return { state: 'verified' };
  switch (read.copyStatus) {
    case 'pending':
      return { state: 'pending' };
    case 'success':
      return { state: 'copied' };
    case 'aborted':
    case 'failed':
      return {
        state: 'failed',
        reason: `copy ${read.copyStatus}: ${read.copyStatusDescription || 'no reason given'}`,
      };
    default:
      return { state: 'failed', reason: 'the point was not created by a copy' };
  }
}
