/**
 * Restore points for Azure: per device, one base page blob in the backup region (named
 * `{tenantId}/{deviceId}`, like the points scoped by tenant) brought up to date with only the pages
 * changed since the previous primary snapshot, then snapshotted per point. The point blob is a
 * zero-length pointer to that base snapshot, named and listed like a full copy.
 */
import type { BlobGetPropertiesResponse, BlobServiceClient, PageBlobClient } from '@azure/storage-blob';
import type { DiskSnapshot } from '../../domain/disk';
import { defaultMaxCopyBytes, planPageCopy, type PageDiff } from '../../domain/diffPlanner';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { RestorePoint } from '../../domain/restorePoint';
import type {
  CopyStatus,
  RecoverySource,
  RestorePointStore,
  RestorePointTarget,
  VerifyResult,
} from '../../ports/RestorePointStore';
import { comparePageBlobs } from './comparePageBlobs';
import { copyPagesFromUrl, type PageCopier } from './copyPagesFromUrl';
import { snapshotBlobClient } from './diskBlobClient';
import { EnsuredContainers } from './EnsuredContainers';
import {
  baseMetadata,
  isDiskSnapshot,
  readBaseState,
  sameDisk,
  type BaseState,
  type CompletedApply,
  type PendingApply,
} from './incrementalBaseState';
import { decodeJsonMetadata, encodeJsonMetadata } from './jsonMetadata';
import { readPageDiff, type PageDiffReader } from './readPageDiff';
import { readPageRanges } from './readPageRanges';
import { regionClient } from './regionClient';
import { RestorePointCatalog } from './RestorePointCatalog';
import { newPointMetadata, PointMetadata } from './restorePointMetadata';
import { deviceBlobName, isPointOf, parseRestorePointName } from './restorePointName';
import type { SamplingOptions } from './sampleRanges';
import { readUrlOptions, snapshotReadUrl, type SnapshotReadUrlOptions } from './snapshotReadUrl';
import { errorCodeOf, firstLine, isAlreadyExists, isNotFound, isPreconditionFailed } from './storageErrors';

export const restoreBasesContainerName = 'restore-bases';

/**
 * 64 operations of at most 4 MiB: up to 256 MiB per call, well inside a queue message's 5-minute
 * lock at Put Page From URL's pace. The rest is applied by later `checkCopy` calls.
 */
export const defaultMaxOperationsPerCall = 64;

/** What a pointer adds to the point metadata. */
export const PointerMetadata = {
  /** The base blob's snapshot holding the point's content. */
  baseSnapshot: 'basesnapshot',
  /** The primary snapshot the base held before this point (JSON), released once the point is verified. */
  previous: 'previous',
} as const;

export interface IncrementalRestorePointStoreOptions {
  pointsContainerName?: string;
  basesContainerName?: string;
  /** Largest copy request; a multiple of 512 up to 4 MiB (Put Page From URL's limit). */
  maxCopyBytes?: number;
  /** Operations applied per `startCopy`/`checkCopy` call, so that no call runs long. */
  maxOperationsPerCall?: number;
  /** Which pages changed between two snapshots; Get Page Ranges Diff by default. */
  readDiff?: PageDiffReader;
  /** How a range is copied into the base; Put Page From URL by default. */
  copyPages?: PageCopier;
  sampling?: SamplingOptions;
  readUrl?: SnapshotReadUrlOptions;
}

interface BaseBlob {
  client: PageBlobClient;
  etag: string;
  sizeBytes: number;
  state: BaseState;
}

/** Whose base blob: device ids are unique within a tenant only, so both name it. */
interface BaseOwner {
  tenantId: string;
  deviceId: string;
}

/** Another caller changed the base since this one read it: it carries the work on, this one stops. */
class BaseChanged extends Error {}

export class IncrementalRestorePointStore implements RestorePointStore {
  private readonly catalog: RestorePointCatalog;
  private readonly bases: EnsuredContainers;
  private readonly readDiff: PageDiffReader;
  private readonly copyPages: PageCopier;
  private readonly maxOperationsPerCall: number;

  /** `clients` holds every region involved: the primary (to read snapshots) and the backup regions. */
  constructor(
    private readonly clients: ReadonlyMap<string, BlobServiceClient>,
    private readonly options: IncrementalRestorePointStoreOptions = {},
  ) {
    this.catalog = new RestorePointCatalog(clients, options.pointsContainerName);
    this.bases = new EnsuredContainers(clients, options.basesContainerName ?? restoreBasesContainerName);
    this.readDiff = options.readDiff ?? readPageDiff;
    this.copyPages = options.copyPages ?? copyPagesFromUrl;
    this.maxOperationsPerCall = options.maxOperationsPerCall ?? defaultMaxOperationsPerCall;
    if (!Number.isSafeInteger(this.maxOperationsPerCall) || this.maxOperationsPerCall < 1) {
      throw new RangeError(
        `maxOperationsPerCall must be a positive integer, got ${this.maxOperationsPerCall}`,
      );
    }
    // Fail at construction, not on the first copy, when the planner or the service would refuse the size.
    planPageCopy({ changed: [], cleared: [] }, { maxCopyBytes: options.maxCopyBytes });
    if ((options.maxCopyBytes ?? defaultMaxCopyBytes) > defaultMaxCopyBytes) {
      throw new RangeError(`maxCopyBytes must not exceed ${defaultMaxCopyBytes}, Put Page From URL's limit`);
    }
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

    // A few rounds, in case another caller changes the base between reading and recording.
    for (let round = 0; round < 3; round++) {
      let base = await this.openBase(target.region, target, snapshot.sizeBytes);
      const { state } = base;
      if (state.last?.point === name) return await this.writePointer(target.region, target, state.last);
      const resuming =
        state.pending?.point === name && state.pending.snapshot.snapshotId === snapshot.snapshotId;
      if (!resuming) {
        const from = state.source;
        // Taking over from another apply leaves the base half way between two snapshots, which no
        // diff describes: only a full sync is sure to repair it.
        const full =
          state.pending !== undefined || state.stale === true || !from || !sameDisk(from, snapshot);
        const pending: PendingApply = {
          point: name,
          kind: target.kind,
          snapshot,
          ...(from ? { from } : {}),
          full,
          prepared: false,
          done: 0,
        };
        try {
          base = await this.saveState(base, target, { ...withoutPending(state), pending });
        } catch (err) {
          if (err instanceof BaseChanged) continue;
          throw err;
        }
      }
      return await this.advance(target.region, target, base);
    }
    return { state: 'pending' };
  }

  /** Reports the point, or carries its apply on by up to `maxOperationsPerCall` operations. */
  async checkCopy(target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.catalog.nameOf(target);
    const pointer = await this.catalog.read(target.region, name);
    if (pointer) return pointerStatus(pointer);
    const base = await this.readBase(target.region, target);
    if (base?.state.last?.point === name)
      return await this.writePointer(target.region, target, base.state.last);
    if (base?.state.pending?.point === name) return await this.advance(target.region, target, base);
    return {
      state: 'failed',
      reason: `no copy of ${name} is in progress (never started, removed, or superseded by another point)`,
    };
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

    const result = await comparePageBlobs(
      source,
      this.baseClient(target.region, target).withSnapshot(baseSnapshot),
      this.options.sampling,
    );
    if (!result.ok) return result;
    if (!(await this.catalog.stampChecked(target.region, name, pointer, result.hash))) {
      return { ok: false, reason: 'the point changed while it was being verified' };
    }
    return result;
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
    const base = await this.readBase(target.region, target);
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
    await this.forgetInBase(region, parsed, name, metadata[PointMetadata.verified] === 'true');
    if (pointer && metadata[PointMetadata.verified] === 'true') {
      // From here on it is not offered for recovery, even if the deletes below fail half way.
      await this.catalog
        .blob(region, name)
        .setMetadata(
          { ...metadata, [PointMetadata.verified]: 'false' },
          { conditions: { ifMatch: pointer.etag } },
        )
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    const baseSnapshot = metadata[PointerMetadata.baseSnapshot];
    if (baseSnapshot) {
      await this.baseClient(region, parsed)
        .withSnapshot(baseSnapshot)
        .delete()
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
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
    if (!(await exists(this.baseClient(point.region, parsed).withSnapshot(baseSnapshot)))) {
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

  private async advance(region: string, owner: BaseOwner, base: BaseBlob): Promise<CopyStatus> {
    try {
      return await this.apply(region, owner, base);
    } catch (err) {
      if (err instanceof BaseChanged) return { state: 'pending' };
      // The source snapshot is gone (the URL is signed afresh per call, so it has not expired): a
      // retry cannot help. Other refusals (403: a missing role) are configuration and surface as errors.
      if (errorCodeOf(err) === 'CannotVerifyCopySource' && isNotFound(err)) {
        return { state: 'failed', reason: `the source snapshot cannot be read: ${firstLine(err)}` };
      }
      throw err;
    }
  }

  private async apply(region: string, owner: BaseOwner, initial: BaseBlob): Promise<CopyStatus> {
    let base = initial;
    let pending = base.state.pending;
    if (!pending) throw new Error('apply needs a pending apply');
    const source = snapshotBlobClient(this.clients, pending.snapshot);
    if (!(await exists(source))) {
      return { state: 'failed', reason: `source snapshot ${pending.snapshot.snapshotId} no longer exists` };
    }

    let diff = await this.diffOf(pending, source);
    if (!diff) {
      // The previous snapshot can no longer be diffed against: copy every valid page instead.
      pending = { ...pending, full: true, prepared: false, done: 0 };
      base = await this.saveState(base, owner, { ...base.state, pending });
      diff = await this.diffOf(pending, source);
      if (!diff) throw new Error('A full sync reads no diff, so it cannot lack one');
    }
    const operations = planPageCopy(diff, { maxCopyBytes: this.options.maxCopyBytes });

    if (!pending.prepared) {
      let etag = base.etag;
      const size = pending.snapshot.sizeBytes;
      if (base.sizeBytes !== size)
        etag = etagOf(await conditional(() => base.client.resize(size, { conditions: { ifMatch: etag } })));
      // One request clears whatever an earlier sync left; the copies then fill in the valid pages.
      if (pending.full && size > 0)
        etag = etagOf(
          await conditional(() => base.client.clearPages(0, size, { conditions: { ifMatch: etag } })),
        );
      pending = { ...pending, prepared: true };
      base = await this.saveState({ ...base, etag, sizeBytes: size }, owner, { ...base.state, pending });
    }

    const end = Math.min(operations.length, pending.done + this.maxOperationsPerCall);
    if (end > pending.done) {
      // Each write is conditional on the ETag the previous one returned: two callers never interleave.
      let etag = base.etag;
      let sourceUrl: string | undefined;
      for (const operation of operations.slice(pending.done, end)) {
        if (operation.kind === 'clear') {
          etag = etagOf(
            await conditional(() =>
              base.client.clearPages(operation.offset, operation.count, { conditions: { ifMatch: etag } }),
            ),
          );
        } else {
          sourceUrl ??= await this.sourceUrl(pending.snapshot);
          const url = sourceUrl;
          const range = { offset: operation.offset, count: operation.count };
          etag = await conditional(() => this.copyPages(base.client, url, range, etag));
        }
      }
      pending = { ...pending, done: end };
      base = await this.saveState({ ...base, etag }, owner, { ...base.state, pending });
    }
    if (end < operations.length) return { state: 'pending' };
    return await this.complete(region, owner, base, pending);
  }

  /** Undefined when the diff's base snapshot is unusable. */
  private async diffOf(pending: PendingApply, source: PageBlobClient): Promise<PageDiff | undefined> {
    if (pending.full || !pending.from) return { changed: await readPageRanges(source), cleared: [] };
    if (pending.from.snapshotId === pending.snapshot.snapshotId) return { changed: [], cleared: [] };
    return await this.readDiff(source, pending.from.snapshotId, pending.snapshot.sizeBytes);
  }

  /** Snapshots the base (once: a retry finds the snapshot it took), records it, writes the pointer. */
  private async complete(
    region: string,
    owner: BaseOwner,
    base: BaseBlob,
    pending: PendingApply,
  ): Promise<CopyStatus> {
    let baseSnapshot = await this.findBaseSnapshot(region, owner, pending.point);
    if (!baseSnapshot) {
      const response = await conditional(() =>
        base.client.createSnapshot({
          metadata: {
            tenantid: owner.tenantId.toLowerCase(),
            deviceid: owner.deviceId,
            point: pending.point,
            sourcesnapshot: pending.snapshot.snapshotId,
          },
          conditions: { ifMatch: base.etag },
        }),
      );
      baseSnapshot = response.snapshot;
      if (!baseSnapshot) throw new Error('Snapshot Blob returned no snapshot id');
    }
    const { pending: _done, stale: _stale, ...rest } = base.state;
    const last: CompletedApply = {
      point: pending.point,
      kind: pending.kind,
      snapshot: pending.snapshot,
      ...(pending.from ? { from: pending.from } : {}),
      baseSnapshot,
    };
    await this.saveState(base, owner, { ...rest, source: pending.snapshot, last });
    return await this.writePointer(region, owner, last);
  }

  private async findBaseSnapshot(
    region: string,
    owner: BaseOwner,
    point: string,
  ): Promise<string | undefined> {
    const name = deviceBlobName(owner.tenantId, owner.deviceId);
    const listing = this.bases
      .get(region)
      .listBlobsFlat({ prefix: name, includeSnapshots: true, includeMetadata: true });
    for await (const item of listing) {
      if (item.name === name && item.snapshot && item.metadata?.point === point) return item.snapshot;
    }
    return undefined;
  }

  private async writePointer(region: string, owner: BaseOwner, last: CompletedApply): Promise<CopyStatus> {
    const parsed = parseRestorePointName(last.point);
    // A base only ever records its own device's points: anything else is never written as a pointer.
    if (!parsed || !isPointOf(last.point, owner.tenantId, owner.deviceId))
      throw new Error(`Recorded point name "${last.point}" is not a restore point of this base's device`);
    const target: RestorePointTarget = {
      region,
      tenantId: owner.tenantId,
      deviceId: owner.deviceId,
      takenAt: parsed.takenAt,
      kind: last.kind,
    };
    const metadata = {
      ...newPointMetadata(last.snapshot, target),
      [PointerMetadata.baseSnapshot]: last.baseSnapshot,
      ...(last.from ? { [PointerMetadata.previous]: encodeJsonMetadata(last.from) } : {}),
    };
    const container = await this.catalog.ensureContainer(region);
    try {
      await container
        .getBlockBlobClient(last.point)
        .upload('', 0, { metadata, conditions: { ifNoneMatch: '*' } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return { state: 'copied' };
  }

  /** Forgets an apply or a completed point that is being removed; see `remove`. */
  private async forgetInBase(
    region: string,
    owner: BaseOwner,
    name: string,
    verified: boolean,
  ): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const base = await this.readBase(region, owner);
      if (!base) return;
      const { pending, last, ...rest } = base.state;
      const isPending = pending?.point === name;
      const isLast = last?.point === name;
      if (!isPending && !isLast) return;
      const state: BaseState = {
        ...rest,
        ...(pending && !isPending ? { pending } : {}),
        ...(last && !isLast ? { last } : {}),
        ...(isPending || (isLast && !verified) ? { stale: true } : {}),
      };
      try {
        await this.saveState(base, owner, state);
        return;
      } catch (err) {
        if (!(err instanceof BaseChanged)) throw err;
      }
    }
    throw new Error(
      `The base of device ${owner.deviceId} in ${region} kept changing while removing ${name}; retry`,
    );
  }

  private baseClient(region: string, owner: BaseOwner): PageBlobClient {
    return this.bases.get(region).getPageBlobClient(deviceBlobName(owner.tenantId, owner.deviceId));
  }

  private async readBase(region: string, owner: BaseOwner): Promise<BaseBlob | undefined> {
    const client = this.baseClient(region, owner);
    try {
      return toBaseBlob(client, await client.getProperties());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The base blob, created empty (all pages clear) on the device's first point. */
  private async openBase(region: string, owner: BaseOwner, sizeBytes: number): Promise<BaseBlob> {
    const existing = await this.readBase(region, owner);
    if (existing) return existing;
    const container = await this.bases.ensure(region);
    const client = container.getPageBlobClient(deviceBlobName(owner.tenantId, owner.deviceId));
    try {
      await client.create(sizeBytes, {
        metadata: baseMetadata(owner, {}),
        conditions: { ifNoneMatch: '*' },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const created = await this.readBase(region, owner);
    if (!created)
      throw new Error(`The base of device ${owner.deviceId} in ${region} vanished right after its creation`);
    return created;
  }

  private async saveState(base: BaseBlob, owner: BaseOwner, state: BaseState): Promise<BaseBlob> {
    const response = await conditional(() =>
      base.client.setMetadata(baseMetadata(owner, state), { conditions: { ifMatch: base.etag } }),
    );
    return { ...base, etag: etagOf(response), state };
  }

  private async sourceUrl(snapshot: DiskSnapshot): Promise<string> {
    return await snapshotReadUrl(
      regionClient(this.clients, snapshot.region),
      { container: snapshot.disk.container, blob: snapshot.disk.blob, snapshotId: snapshot.snapshotId },
      this.options.readUrl,
    );
  }
}

function pointerStatus(pointer: BlobGetPropertiesResponse): CopyStatus {
  return pointer.metadata?.[PointMetadata.verified] === 'true' ? { state: 'verified' } : { state: 'copied' };
}

function withoutPending(state: BaseState): BaseState {
  const { pending: _pending, ...rest } = state;
  return rest;
}

function toBaseBlob(client: PageBlobClient, properties: BlobGetPropertiesResponse): BaseBlob {
  return {
    client,
    etag: etagOf(properties),
    sizeBytes: properties.contentLength ?? 0,
    state: readBaseState(properties.metadata),
  };
}

function etagOf(response: { etag?: string }): string {
  if (!response.etag) throw new Error('The storage service returned no ETag');
  return response.etag;
}

/** Runs a write conditional on the base's ETag; a failed condition means another caller moved on. */
async function conditional<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isPreconditionFailed(err)) throw new BaseChanged('the base blob changed');
    throw err;
  }
}

async function exists(blob: PageBlobClient): Promise<boolean> {
  try {
    await blob.getProperties();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
