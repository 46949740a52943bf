/**
 * Brings a device's base blob up to a primary snapshot: records the apply on the base, resizes
 * (and for a full sync clears) it, copies the changed pages a bounded number of operations per
 * call, then snapshots the base and writes the point's pointer. Every step is recorded on the base
 * under its ETag, so any call, in any process, resumes where the last one stopped.
 */
import type { PageBlobClient } from '@azure/storage-blob';
import type { DiskSnapshot } from '../../domain/disk';
import { defaultMaxCopyBytes, planPageCopy, type PageDiff } from '../../domain/diffPlanner';
import type { CopyStatus, RestorePointTarget } from '../../ports/RestorePointStore';
import { propertiesIfExists } from './blobIfExists';
import { copyPagesFromUrl, type PageCopier } from './copyPagesFromUrl';
import { snapshotBlobClient } from './diskBlobClient';
import { sameDisk, type BaseState, type CompletedApply, type PendingApply } from './incrementalBaseState';
import { readPageDiff, type PageDiffReader } from './readPageDiff';
import { readPageRanges } from './readPageRanges';
import { regionClient, type RegionClients } from './regionClient';
import {
  BaseChanged,
  conditional,
  etagOf,
  type BaseBlob,
  type BaseOwner,
  type RestoreBases,
} from './RestoreBases';
import type { RestorePointCatalog } from './RestorePointCatalog';
import { writePointer } from './restorePointPointer';
import { snapshotReadUrl, type SnapshotReadUrlOptions } from './snapshotReadUrl';
import { errorCodeOf, firstLine, isNotFound } from './storageErrors';

/**
 * 64 operations of at most 4 MiB: up to 256 MiB per call, well inside a queue message's 5-minute
 * lock at Put Page From URL's pace. The rest is applied by later `checkCopy` calls.
 */
export const defaultMaxOperationsPerCall = 64;

export interface IncrementalApplyOptions {
  /** Largest copy request; a multiple of 512 up to 4 MiB (Put Page From URL's limit). */
  maxCopyBytes?: number;
  /** Operations applied per call, so that no call runs long. */
  maxOperationsPerCall?: number;
  /** Which pages changed between two snapshots; Get Page Ranges Diff by default. */
  readDiff?: PageDiffReader;
  /** How a range is copied into the base; Put Page From URL by default. */
  copyPages?: PageCopier;
  readUrl?: SnapshotReadUrlOptions;
}

export class IncrementalApply {
  private readonly readDiff: PageDiffReader;
  private readonly copyPages: PageCopier;
  private readonly maxOperationsPerCall: number;

  constructor(
    private readonly clients: RegionClients,
    private readonly bases: RestoreBases,
    private readonly catalog: RestorePointCatalog,
    private readonly options: IncrementalApplyOptions = {},
  ) {
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
   * Records the apply of `snapshot` as point `name` on the base blob (unless it is recorded
   * already), then applies up to `maxOperationsPerCall` operations.
   */
  async start(snapshot: DiskSnapshot, target: RestorePointTarget, name: string): Promise<CopyStatus> {
    // A few rounds, in case another caller changes the base between reading and recording.
    for (let round = 0; round < 3; round++) {
      let base = await this.bases.open(target.region, target, snapshot.sizeBytes);
      const { state } = base;
      if (state.last?.point === name)
        return await writePointer(this.catalog, target.region, target, state.last);
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
          base = await this.bases.save(base, target, { ...withoutPending(state), pending });
        } catch (err) {
          if (err instanceof BaseChanged) continue;
          throw err;
        }
      }
      return await this.advance(target.region, target, base);
    }
    return { state: 'pending' };
  }

  /** Carries point `name`'s apply on, or writes its pointer if the apply completed; undefined when neither is recorded. */
  async check(target: RestorePointTarget, name: string): Promise<CopyStatus | undefined> {
    const base = await this.bases.read(target.region, target);
    if (base?.state.last?.point === name)
      return await writePointer(this.catalog, target.region, target, base.state.last);
    if (base?.state.pending?.point === name) return await this.advance(target.region, target, base);
    return undefined;
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
    if (!(await propertiesIfExists(source))) {
      return { state: 'failed', reason: `source snapshot ${pending.snapshot.snapshotId} no longer exists` };
    }

    let diff = await this.diffOf(pending, source);
    if (!diff) {
      // The previous snapshot can no longer be diffed against: copy every valid page instead.
      pending = { ...pending, full: true, prepared: false, done: 0 };
      base = await this.bases.save(base, owner, { ...base.state, pending });
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
      base = await this.bases.save({ ...base, etag, sizeBytes: size }, owner, { ...base.state, pending });
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
      base = await this.bases.save({ ...base, etag }, owner, { ...base.state, pending });
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
    let baseSnapshot = await this.bases.findSnapshot(region, owner, pending.point);
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
    await this.bases.save(base, owner, { ...rest, source: pending.snapshot, last });
    return await writePointer(this.catalog, region, owner, last);
  }

  private async sourceUrl(snapshot: DiskSnapshot): Promise<string> {
    return await snapshotReadUrl(
      regionClient(this.clients, snapshot.region),
      { container: snapshot.disk.container, blob: snapshot.disk.blob, snapshotId: snapshot.snapshotId },
      this.options.readUrl,
    );
  }
}

function withoutPending(state: BaseState): BaseState {
  const { pending: _pending, ...rest } = state;
  return rest;
}
