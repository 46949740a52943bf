/**
 * Restore points for Azure: per device, one base page blob in the backup region (named
 * `{tenantId}/{deviceId}`, like the points scoped by tenant) brought up to date with only the pages
 * changed since the previous primary snapshot, then snapshotted per point. The point blob is a
 * zero-length pointer to that base snapshot, named and listed like a full copy.
 *
 * This file is the port: applying (`IncrementalApply`), the base blobs and their state
 * (`RestoreBases`) and the pointers (`restorePointPointer`) each have their own module.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import type { DiskSnapshot } from '../../domain/disk';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { RestorePoint } from '../../domain/restorePoint';
import type {
  CopyStatus,
  RecoverySource,
  RestorePointStore,
  RestorePointTarget,
  VerifyResult,
} from '../../ports/RestorePointStore';
import { propertiesIfExists } from './blobIfExists';
import { compareAndStamp } from './compareAndStamp';
import { snapshotBlobClient } from './diskBlobClient';
import { IncrementalApply, type IncrementalApplyOptions } from './IncrementalApply';
import { isDiskSnapshot, sameDisk } from './incrementalBaseState';
import { decodeJsonMetadata } from './jsonMetadata';
import { regionClient } from './regionClient';
import { RestoreBases } from './RestoreBases';
import { RestorePointCatalog } from './RestorePointCatalog';
import { PointMetadata } from './restorePointMetadata';
import { deviceBlobName, parseRestorePointName } from './restorePointName';
import { PointerMetadata, pointerStatus } from './restorePointPointer';
import type { SamplingOptions } from './sampleRanges';
import { readUrlOptions, snapshotReadUrl, type SnapshotReadUrlOptions } from './snapshotReadUrl';
import { isNotFound } from './storageErrors';

export const restoreBasesContainerName = 'restore-bases';

export interface IncrementalRestorePointStoreOptions extends IncrementalApplyOptions {
  pointsContainerName?: string;
  basesContainerName?: string;
  sampling?: SamplingOptions;
  readUrl?: SnapshotReadUrlOptions;
}

export class IncrementalRestorePointStore implements RestorePointStore {
  private readonly catalog: RestorePointCatalog;
  private readonly bases: RestoreBases;
  private readonly applier: IncrementalApply;

  /** `clients` holds every region involved: the primary (to read snapshots) and the backup regions. */
  constructor(
    private readonly clients: ReadonlyMap<string, BlobServiceClient>,
    private readonly options: IncrementalRestorePointStoreOptions = {},
  ) {
    this.catalog = new RestorePointCatalog(clients, options.pointsContainerName);
    this.bases = new RestoreBases(clients, options.basesContainerName ?? restoreBasesContainerName);
    this.applier = new IncrementalApply(clients, this.bases, this.catalog, options);
  }

  /**
   * Records the apply on the base blob, then applies up to `maxOperationsPerCall` operations;
   * `checkCopy` applies the rest. A point that exists already is never touched.
   */
  async startCopy(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.catalog.nameOf(target);
    // Checks the snapshot's region and id before anything is created.
    snapshotBlobClient(this.clients, snapshot);
    const pointer = await this.catalog.read(target.region, name);
    if (pointer) return pointerStatus(pointer);
    return await this.applier.start(snapshot, target, name);
  }

  /** Reports the point, or carries its apply on by up to `maxOperationsPerCall` operations. */
  async checkCopy(target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.catalog.nameOf(target);
    const pointer = await this.catalog.read(target.region, name);
    if (pointer) return pointerStatus(pointer);
    return (
      (await this.applier.check(target, name)) ?? {
        state: 'failed',
        reason: `no copy of ${name} is in progress (never started, removed, or superseded by another point)`,
      }
    );
  }

  async verify(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<VerifyResult> {
    const name = this.catalog.nameOf(target);
    const source = snapshotBlobClient(this.clients, snapshot);
    const pointer = await this.catalog.read(target.region, name);
    if (!pointer) return { ok: false, reason: `restore point ${name} does not exist` };
    const copiedFrom = pointer.metadata?.[PointMetadata.sourceSnapshot];
    if (copiedFrom !== snapshot.snapshotId) {
      return {
        ok: false,
        reason: `the point was made from snapshot ${copiedFrom ?? 'unknown'}, not ${snapshot.snapshotId}`,
      };
    }
    const baseSnapshot = pointer.metadata?.[PointerMetadata.baseSnapshot];
    if (!baseSnapshot) return { ok: false, reason: 'the point names no base snapshot' };

    return await compareAndStamp(
      this.catalog,
      { region: target.region, name, read: pointer },
      source,
      this.bases.client(target.region, target).withSnapshot(baseSnapshot),
      this.options.sampling,
    );
  }

  async markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint> {
    return (await this.catalog.markVerified(target, hash)).point;
  }

  /**
   * The primary snapshot the base held before this point: the new one stays as the base of the next
   * diff. Nothing while the base still diffs from it.
   */
  async releaseSource(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<DiskSnapshot[]> {
    const pointer = await this.catalog.read(target.region, this.catalog.nameOf(target));
    const previous = decodeJsonMetadata(pointer?.metadata?.[PointerMetadata.previous]);
    if (
      !isDiskSnapshot(previous) ||
      (previous.snapshotId === snapshot.snapshotId && sameDisk(previous, snapshot))
    )
      return [];
    const base = await this.bases.read(target.region, target);
    const stillNeeded = [base?.state.source, base?.state.pending?.from].some(
      (needed) =>
        needed !== undefined && needed.snapshotId === previous.snapshotId && sameDisk(needed, previous),
    );
    return stillNeeded ? [] : [previous];
  }

  /**
   * Removes the pointer and the base snapshot it names. A point removed before it was verified
   * marks the base stale (its content is suspect), and removing a point still being applied
   * abandons that apply: either way the next point is a full sync.
   */
  async remove(region: string, name: string): Promise<void> {
    const parsed = parseRestorePointName(name);
    if (!parsed) throw new TypeError(`"${name}" is not a restore point name`);
    const pointer = await this.catalog.read(region, name);
    const metadata = pointer?.metadata ?? {};
    await this.bases.forget(region, parsed, name, metadata[PointMetadata.verified] === 'true');
    if (pointer && metadata[PointMetadata.verified] === 'true') {
      // From here on it is not offered for recovery, even if the deletes below fail half way.
      await this.catalog
        .blob(region, name)
        .setMetadata(
          { ...metadata, [PointMetadata.verified]: 'false' },
          { conditions: { ifMatch: pointer.etag } },
        )
        .catch(ignoreNotFound);
    }
    const baseSnapshot = metadata[PointerMetadata.baseSnapshot];
    if (baseSnapshot) {
      await this.bases.client(region, parsed).withSnapshot(baseSnapshot).delete().catch(ignoreNotFound);
    }
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
   * A read-only URL of the base blob's snapshot the pointer names: that snapshot holds the point's
   * content and never changes, while the base blob itself moves on with every later point. Whether
   * the point is verified is the caller's choice.
   */
  async readUrl(point: RestorePoint, validForMinutes?: number): Promise<string> {
    const options = readUrlOptions(this.options.readUrl, validForMinutes);
    const pointer = await this.catalog.read(point.region, point.name);
    if (!pointer) throw new NotFoundError(`Restore point ${point.name} in ${point.region}`);
    return await this.baseSnapshotUrl(point, pointer.metadata, options);
  }

  /** One listing of the device's pointers, whose metadata names the base snapshot, and its existence check. */
  async recoverySource(
    region: string,
    tenantId: string,
    deviceId: string,
    keep?: string,
  ): Promise<RecoverySource | undefined> {
    const listed = await this.catalog.recoveryPoint(region, tenantId, deviceId, keep);
    if (!listed) return undefined;
    const options = this.options.readUrl ?? {};
    return { point: listed.point, url: await this.baseSnapshotUrl(listed.point, listed.metadata, options) };
  }

  private async baseSnapshotUrl(
    point: RestorePoint,
    metadata: Readonly<Record<string, string>> | undefined,
    options: SnapshotReadUrlOptions,
  ): Promise<string> {
    const parsed = parseRestorePointName(point.name);
    if (!parsed) throw new TypeError(`"${point.name}" is not a restore point name`);
    const baseSnapshot = metadata?.[PointerMetadata.baseSnapshot];
    if (!baseSnapshot) {
      throw new ConflictError(
        'restore-point-invalid',
        `Restore point ${point.name} in ${point.region} names no base snapshot`,
      );
    }
    // Checked here so that a point whose data is gone fails now, not in the compute provider's copy.
    if (!(await propertiesIfExists(this.bases.client(point.region, parsed).withSnapshot(baseSnapshot)))) {
      throw new NotFoundError(`The base snapshot of restore point ${point.name} in ${point.region}`);
    }
    return await snapshotReadUrl(
      regionClient(this.clients, point.region),
      {
        container: this.bases.name,
        blob: deviceBlobName(parsed.tenantId, parsed.deviceId),
        snapshotId: baseSnapshot,
      },
      options,
    );
  }
}

/** A delete or a write racing another removal of the same point: already gone is as good. */
function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
