/**
 * The restore points of the backup regions as blobs named `{tenantId}/{deviceId}/{inverted time}` with their
 * state in metadata: listing, marking verified and deleting, apart from how the full-copy store
 * makes and reads a point's data.
 */
import type {
  BlobClient,
  BlobGetPropertiesResponse,
  ContainerClient,
  CopyStatusType,
} from '@azure/storage-blob';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { RestorePoint } from '../../domain/restorePoint';
import type { RestorePointTarget } from '../../ports/RestorePointStore';
import { abortPendingCopy } from './abortPendingCopy';
import { listIfExists, propertiesIfExists } from './blobIfExists';
import { EnsuredContainers } from './EnsuredContainers';
import type { RegionClients } from './regionClient';
import { PointMetadata, toRestorePoint } from './restorePointMetadata';
import { parseRestorePointName, restorePointName, restorePointPrefix } from './restorePointName';
import { isNotFound, isPreconditionFailed, statusCodeOf } from './storageErrors';

export const restorePointsContainerName = 'restore-points';

/** A point as a listing shows it: what acting on it needs, without reading it again. */
export interface ListedPoint {
  point: RestorePoint;
  /** The blob's ETag at the listing: a write conditional on it fails if the point changed since. */
  etag: string;
  copyStatus?: CopyStatusType;
  metadata: Readonly<Record<string, string>>;
  /** The point blob's snapshots, each with its own metadata, oldest first. */
  snapshots: { id: string; metadata: Readonly<Record<string, string>> }[];
}

export class RestorePointCatalog {
  private readonly containers: EnsuredContainers;

  constructor(clients: RegionClients, containerName = restorePointsContainerName) {
    this.containers = new EnsuredContainers(clients, containerName);
  }

  container(region: string): ContainerClient {
    return this.containers.get(region);
  }

  /** Creates the container on first write in each region; reads never need it to exist. */
  async ensureContainer(region: string): Promise<ContainerClient> {
    return await this.containers.ensure(region);
  }

  blob(region: string, name: string): BlobClient {
    return this.container(region).getBlobClient(name);
  }

  nameOf(target: RestorePointTarget): string {
    return restorePointName(target.tenantId, target.deviceId, target.takenAt);
  }

  /** The point blob's properties and metadata; undefined when it (or its container) does not exist. */
  async read(region: string, name: string): Promise<BlobGetPropertiesResponse | undefined> {
    return await propertiesIfExists(this.blob(region, name));
  }

  /**
   * Creates a point's record (an empty block blob whose metadata is the point) unless the name is
   * taken: false when it already exists. A managed-disk point's data is an ARM snapshot, so its
   * record is all the catalogue holds of it, and it is readable with the primary region and ARM gone.
   */
  async createRecord(target: RestorePointTarget, metadata: Record<string, string>): Promise<boolean> {
    const container = await this.ensureContainer(target.region);
    try {
      await container.getBlockBlobClient(this.nameOf(target)).upload('', 0, {
        metadata,
        conditions: { ifNoneMatch: '*' },
      });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409 || isPreconditionFailed(err)) return false;
      throw err;
    }
  }

  /**
   * Adds to (or, with `undefined`, removes from) a point's metadata, on condition that the blob is
   * still as read (`etag`). False when it changed or went away meanwhile.
   */
  async patchMetadata(
    region: string,
    name: string,
    current: Readonly<Record<string, string>>,
    patch: Readonly<Record<string, string | undefined>>,
    etag: string,
  ): Promise<boolean> {
    const next: Record<string, string> = { ...current };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    try {
      await this.blob(region, name).setMetadata(next, { conditions: { ifMatch: etag } });
      return true;
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  /** Every point of the device with its metadata and ETag, newest first, from one listing. */
  async listEntries(region: string, tenantId: string, deviceId: string): Promise<ListedPoint[]> {
    return await this.listWithSnapshots(region, restorePointPrefix(tenantId, deviceId));
  }

  /**
   * Every page of the tenant's device's prefix, newest first; blobs that do not describe a point
   * are skipped.
   */
  async list(region: string, tenantId: string, deviceId: string): Promise<RestorePoint[]> {
    const listed = await this.listWithSnapshots(region, restorePointPrefix(tenantId, deviceId));
    return listed.map((entry) => entry.point);
  }

  /** With the newest first, the first verified point is the latest one. */
  async latestVerified(
    region: string,
    tenantId: string,
    deviceId: string,
  ): Promise<RestorePoint | undefined> {
    return (await this.recoveryPoint(region, tenantId, deviceId))?.point;
  }

  /**
   * The point a recovery copies from, as one listing of the device's points (with their
   * snapshots) shows it: `keep` while it is listed and verified (a retried recovery stays on its
   * point), else the newest verified point; undefined when there is none.
   */
  async recoveryPoint(
    region: string,
    tenantId: string,
    deviceId: string,
    keep?: string,
  ): Promise<ListedPoint | undefined> {
    const listed = (await this.listWithSnapshots(region, restorePointPrefix(tenantId, deviceId))).filter(
      (entry) => entry.point.verified,
    );
    return listed.find((entry) => entry.point.name === keep) ?? listed[0];
  }

  /** The point named `name` with its snapshots, from a listing; undefined when it is not there. */
  async listed(region: string, name: string): Promise<ListedPoint | undefined> {
    // Names end in a fixed-width time, so no other point's name starts with this one.
    return (await this.listWithSnapshots(region, name)).find((entry) => entry.point.name === name);
  }

  /**
   * Records the hash a verification found, on condition that the blob is still the one verified
   * (its ETag from before the comparison). False when it changed or went away meanwhile.
   */
  async stampChecked(
    region: string,
    name: string,
    read: BlobGetPropertiesResponse,
    hash: string,
  ): Promise<boolean> {
    try {
      await this.blob(region, name).setMetadata(
        { ...read.metadata, [PointMetadata.checkedHash]: hash },
        { conditions: { ifMatch: read.etag } },
      );
      return true;
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Marks the point verified. `etag` is the blob's ETag after this call's write; undefined when the
   * point was already verified with this hash (a repeated call), so nothing was written.
   */
  async markVerified(
    target: RestorePointTarget,
    hash: string,
  ): Promise<{ point: RestorePoint; etag?: string }> {
    if (!hash) throw new TypeError('markVerified needs the hash that verify returned');
    const name = this.nameOf(target);
    const read = await this.read(target.region, name);
    if (!read) throw new NotFoundError(`Restore point ${name} in ${target.region}`);
    const metadata = read.metadata ?? {};
    const point = toRestorePoint(target.region, name, metadata);
    if (!point)
      throw new ConflictError(
        'restore-point-invalid',
        `Restore point ${name} in ${target.region} has inconsistent metadata`,
      );
    if (point.verified) {
      // A repeated call (a retried message) is success; a different hash is not the same verification.
      if (point.hash === hash) return { point };
      throw new ConflictError(
        'restore-point-verified',
        `Restore point ${name} is already verified with another hash`,
      );
    }
    if (metadata[PointMetadata.checkedHash] !== hash) {
      throw new ConflictError(
        'restore-point-not-checked',
        `Restore point ${name} was not verified with this hash; verify it again`,
      );
    }
    const { [PointMetadata.checkedHash]: _checked, ...rest } = metadata;
    try {
      const written = await this.blob(target.region, name).setMetadata(
        { ...rest, [PointMetadata.verified]: 'true', [PointMetadata.hash]: hash },
        { conditions: { ifMatch: read.etag } },
      );
      return { point: { ...point, verified: true, hash }, etag: written.etag };
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) {
        throw new ConflictError(
          'restore-point-changed',
          `Restore point ${name} changed while being marked verified; verify it again`,
        );
      }
      throw err;
    }
  }

  /**
   * Deletes a point blob with its snapshots; a missing one is success. A copy still running into it
   * is aborted first, since the service refuses to delete a blob with a pending copy.
   */
  async delete(region: string, name: string): Promise<void> {
    if (!parseRestorePointName(name)) throw new TypeError(`"${name}" is not a restore point name`);
    const blob = this.blob(region, name);
    try {
      await blob.delete({ deleteSnapshots: 'include' });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (statusCodeOf(err) !== 409) throw err;
    }
    const read = await this.read(region, name);
    if (!read) return;
    await abortPendingCopy(blob, read);
    try {
      await blob.delete({ deleteSnapshots: 'include' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * The points under a prefix in name order (newest first), each with its snapshots, from one
   * listing: a snapshot may be listed before its blob, so the whole listing is read.
   */
  private async listWithSnapshots(region: string, prefix: string): Promise<ListedPoint[]> {
    const blobs = new Map<string, Omit<ListedPoint, 'snapshots'>>();
    const snapshots = new Map<string, ListedPoint['snapshots']>();
    // No container yet lists nothing: no point was ever copied into this region.
    const listing = listIfExists(this.container(region), {
      prefix,
      includeMetadata: true,
      includeSnapshots: true,
      includeCopy: true,
    });
    for await (const item of listing) {
      const metadata = item.metadata ?? {};
      if (item.snapshot) {
        const list = snapshots.get(item.name) ?? [];
        list.push({ id: item.snapshot, metadata });
        snapshots.set(item.name, list);
        continue;
      }
      const point = toRestorePoint(region, item.name, metadata);
      if (!point) continue;
      blobs.set(item.name, {
        point,
        etag: item.properties.etag,
        copyStatus: item.properties.copyStatus,
        metadata,
      });
    }
    // A listing is in name order, and so is the map, in the order it was filled.
    return [...blobs.values()].map((entry) => ({
      ...entry,
      snapshots: snapshots.get(entry.point.name) ?? [],
    }));
  }
}
