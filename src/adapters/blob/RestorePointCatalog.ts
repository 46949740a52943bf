/**
 * The restore points of the backup regions as blobs named `{tenantId}/{deviceId}/{inverted time}` with their
 * state in metadata: listing, marking verified and deleting, shared by the full-copy and the
 * incremental stores (their points differ only in what the blob holds: data or a pointer).
 */
import type { BlobClient, BlobGetPropertiesResponse, ContainerClient } from '@azure/storage-blob';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { RestorePoint } from '../../domain/restorePoint';
import type { RestorePointTarget } from '../../ports/RestorePointStore';
import { EnsuredContainers } from './EnsuredContainers';
import type { RegionClients } from './regionClient';
import { PointMetadata, toRestorePoint } from './restorePointMetadata';
import { parseRestorePointName, restorePointName, restorePointPrefix } from './restorePointName';
import { isNotFound, isPreconditionFailed, statusCodeOf } from './storageErrors';

export const restorePointsContainerName = 'restore-points';

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
    try {
      return await this.blob(region, name).getProperties();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Every page of the tenant's device's prefix, newest first; blobs that do not describe a point
   * are skipped.
   */
  async list(region: string, tenantId: string, deviceId: string): Promise<RestorePoint[]> {
    const points: RestorePoint[] = [];
    for await (const point of this.walk(region, tenantId, deviceId)) points.push(point);
    return points;
  }

  /** Stops at the first verified point: with the newest first, it is the latest one. */
  async latestVerified(
    region: string,
    tenantId: string,
    deviceId: string,
  ): Promise<RestorePoint | undefined> {
    for await (const point of this.walk(region, tenantId, deviceId)) {
      if (point.verified) return point;
    }
    return undefined;
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

  async markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint> {
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
      if (point.hash === hash) return point;
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
      await this.blob(target.region, name).setMetadata(
        { ...rest, [PointMetadata.verified]: 'true', [PointMetadata.hash]: hash },
        { conditions: { ifMatch: read.etag } },
      );
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) {
        throw new ConflictError(
          'restore-point-changed',
          `Restore point ${name} changed while being marked verified; verify it again`,
        );
      }
      throw err;
    }
    return { ...point, verified: true, hash };
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
    if (read.copyStatus === 'pending' && read.copyId) {
      await blob.abortCopyFromURL(read.copyId).catch((err: unknown) => {
        // It may have finished or failed in between: then there is nothing to abort.
        if (statusCodeOf(err) !== 409 && !isNotFound(err)) throw err;
      });
    }
    try {
      await blob.delete({ deleteSnapshots: 'include' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async *walk(region: string, tenantId: string, deviceId: string): AsyncGenerator<RestorePoint> {
    const prefix = restorePointPrefix(tenantId, deviceId);
    try {
      for await (const item of this.container(region).listBlobsFlat({ prefix, includeMetadata: true })) {
        const point = toRestorePoint(region, item.name, item.metadata);
        if (point) yield point;
      }
    } catch (err) {
      // No container yet: no point was ever copied into this region.
      if (!isNotFound(err)) throw err;
    }
  }
}
