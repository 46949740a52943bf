/**
 * Restore points as full server-side copies of the primary snapshot, one page blob per point in the
 * backup region: the one store of page-blob disks, which only the embedded runtime and its tests
 * still protect (Azure boots no VM from a page-blob VHD since unmanaged disks were retired).
 */
import type { BlobGetPropertiesResponse, BlobServiceClient } from '@azure/storage-blob';
import { pageBlobDisk, type DiskSnapshot } from '../../domain/disk';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { RestorePoint } from '../../domain/restorePoint';
import type {
  CopyStatus,
  BlobRecoverySource,
  RestorePointStore,
  RestorePointTarget,
  VerifyResult,
} from '../../ports/RestorePointStore';
import { compareAndStamp } from './compareAndStamp';
import { snapshotBlobClient } from './diskBlobClient';
import { regionClient } from './regionClient';
import { RestorePointCatalog, type ListedPoint } from './RestorePointCatalog';
import { newPointMetadata, PointMetadata } from './restorePointMetadata';
import type { SamplingOptions } from './sampleRanges';
import { readUrlOptions, snapshotReadUrl, type SnapshotReadUrlOptions } from './snapshotReadUrl';
import { errorCodeOf, firstLine, isAlreadyExists, isNotFound, isPreconditionFailed } from './storageErrors';

/**
 * Marks the snapshots of a point blob that this store took to read it from (at verification, or on
 * the first read of a point that has none), so only a snapshot of the finished copy is ever handed
 * out (not one somebody took for another reason). Lower-case, like all metadata names.
 */
export const readSnapshotMetadata = 'readsnapshot';

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
      { ...pageBlobDisk(snapshot.disk), snapshotId: snapshot.snapshotId },
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

    return await compareAndStamp(
      this.catalog,
      { region: target.region, name, read },
      source,
      this.catalog.container(target.region).getPageBlobClient(name),
      this.options.sampling,
    );
  }

  /**
   * Marks the point verified and takes its read snapshot now, in the protection cycle, so that a
   * recovery finds it in the listing it makes anyway: the activation's path, the one an RTO is
   * made of, stays one listing. A repeated call (a retried message) takes the snapshot only if the
   * point still has none.
   */
  async markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint> {
    const { point, etag } = await this.catalog.markVerified(target, hash);
    const listed = etag
      ? { point, etag, snapshots: [] }
      : await this.catalog.listed(point.region, point.name);
    // A point changed or removed since it was marked gets its snapshot from its first recovery, if any.
    if (listed && !readSnapshotOf(listed)) await this.takeReadSnapshot(listed);
    return point;
  }

  /** A full copy stands alone: the snapshot it came from is no longer needed. */
  async releaseSource(snapshot: DiskSnapshot, _target: RestorePointTarget): Promise<DiskSnapshot[]> {
    return [snapshot];
  }

  async remove(region: string, name: string): Promise<void> {
    await this.catalog.delete(region, name);
  }

  async list(region: string, tenantId: string, deviceId: string): Promise<RestorePoint[]> {
    return await this.catalog.list(region, tenantId, deviceId);
  }

  async latestVerified(
    region: string,
    tenantId: string,
    deviceId: string,
  ): Promise<RestorePoint | undefined> {
    return await this.catalog.latestVerified(region, tenantId, deviceId);
  }

  /**
   * A read-only URL of a snapshot of the point blob, not of the blob itself: the blob is live (its
   * metadata changes when it is verified, and a removed point's name can be copied into again),
   * while a snapshot is immutable, so the URL reads this point's bytes or nothing. The snapshot is
   * taken when the point is verified (by the first call, for a point that has none) and reused; it
   * goes with the point when the point is removed (`deleteSnapshots: 'include'`), and on Azure it
   * costs nothing while the blob's pages do not change. Whether the point is verified is the
   * caller's choice.
   */
  async readUrl(point: RestorePoint, validForMinutes?: number): Promise<string> {
    const options = readUrlOptions(this.options.readUrl, validForMinutes);
    return await this.untilUnchanged(`Restore point ${point.name} in ${point.region}`, async () => {
      const listed = await this.catalog.listed(point.region, point.name);
      if (!listed) throw new NotFoundError(`Restore point ${point.name} in ${point.region}`);
      return await this.snapshotUrl(listed, options);
    });
  }

  /** One listing of the device's points (with their snapshots); a snapshot only if the point has none yet. */
  async recoverySource(
    region: string,
    tenantId: string,
    deviceId: string,
    keep?: string,
  ): Promise<BlobRecoverySource | undefined> {
    const options = this.options.readUrl ?? {};
    return await this.untilUnchanged(`The restore point of ${deviceId} in ${region}`, async () => {
      const listed = await this.catalog.recoveryPoint(region, tenantId, deviceId, keep);
      if (!listed) return undefined;
      const url = await this.snapshotUrl(listed, options);
      return url === changed ? changed : { point: listed.point, kind: 'blobUrl' as const, url };
    });
  }

  /** A few rounds, in case the point's metadata changes (it is being verified) between listing and snapshot. */
  private async untilUnchanged<T>(subject: string, attempt: () => Promise<T | typeof changed>): Promise<T> {
    for (let round = 0; round < 3; round++) {
      const result = await attempt();
      if (result !== changed) return result;
    }
    throw new ConflictError(
      'restore-point-changed',
      `${subject} kept changing while taking its read snapshot; retry`,
    );
  }

  /** The URL of the point's read snapshot, taken now if it has none; `changed` when the point changed since it was listed. */
  private async snapshotUrl(
    listed: ListedPoint,
    options: SnapshotReadUrlOptions,
  ): Promise<string | typeof changed> {
    const { region, name } = listed.point;
    if (listed.copyStatus !== 'success') {
      throw new ConflictError(
        'restore-point-not-copied',
        `Restore point ${name} in ${region} holds no finished copy (copy status ${listed.copyStatus ?? 'unknown'})`,
      );
    }
    // Points verified before read snapshots were taken at verification have none yet.
    const snapshotId = readSnapshotOf(listed) ?? (await this.takeReadSnapshot(listed));
    if (snapshotId === changed) return changed;
    return await snapshotReadUrl(
      regionClient(this.clients, region),
      { container: this.catalog.container(region).containerName, blob: name, snapshotId },
      options,
    );
  }

  /** Conditional on the blob as listed: never a snapshot of a point replaced in between. */
  private async takeReadSnapshot(
    listed: Pick<ListedPoint, 'point' | 'etag'>,
  ): Promise<string | typeof changed> {
    const { region, name } = listed.point;
    let taken;
    try {
      taken = await this.catalog.blob(region, name).createSnapshot({
        metadata: { [readSnapshotMetadata]: 'true' },
        conditions: { ifMatch: listed.etag },
      });
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) return changed;
      throw err;
    }
    if (!taken.snapshot) throw new Error('Snapshot Blob returned no snapshot id');
    return taken.snapshot;
  }
}

function readSnapshotOf(listed: Pick<ListedPoint, 'snapshots'>): string | undefined {
  return listed.snapshots.find((s) => s.metadata[readSnapshotMetadata] === 'true')?.id;
}

/** A listed point changed before its read snapshot was taken: list again. */
const changed = Symbol('changed');

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
