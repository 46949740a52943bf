/**
 * CopyStart's background copy, computed from the simulated clock rather than timers: copies of one
 * disk run one at a time in creation order (rule copy.onePerDisk), each moving only the changes
 * since the newest completed copy of that disk in the target region (copy.changesOnly) at the
 * stated throughput (copy.throughput), never faster than copy.minimumDuration.
 */
import type { ArmStore, CopyState, DiskRecord, SnapshotRecord } from './store';

export interface CopyModel {
  gibPerHour: number;
  minimumMs: number;
}

export class CopyEngine {
  /**
   * Before this simulated time no copy that has not ended can start, complete or fail (the
   * earliest such moment the last settle found), unless a copy was filed, removed or failed since
   * (`store.copiesChanged`, `failCopiesOf`): a settle before it has nothing to do. Every request
   * settles, so this keeps a request O(1) between events rather than O(copies not ended).
   */
  private quietUntil = Number.NEGATIVE_INFINITY;
  private settledChanges = -1;

  constructor(
    private readonly store: ArmStore,
    private readonly model: CopyModel,
  ) {}

  /** Brings every copy up to `now`: starts, completes and fails them in the order they would have. */
  settle(now: number): void {
    if (now < this.quietUntil && this.settledChanges === this.store.copiesChanged) return;
    this.settledChanges = this.store.copiesChanged;
    // Only a disk with a copy not ended can change; its queue holds its ended copies too, which
    // say from when the disk is free.
    const disks = new Set<string>();
    for (const record of this.store.copies) disks.add(record.diskKey);
    let next = Number.POSITIVE_INFINITY;
    for (const diskKey of disks) next = Math.min(next, this.settleQueue(this.queueOf(diskKey), now));
    this.quietUntil = next;
  }

  /** The disk's live copies, ended or not, in creation order. */
  private queueOf(diskKey: string): SnapshotRecord[] {
    return this.store.liveSnapshotsOf(diskKey).filter((s) => s.copy !== undefined);
  }

  /** Settles one disk's queue; returns when the next of its copies changes on its own (or Infinity). */
  private settleQueue(queue: SnapshotRecord[], now: number): number {
    // The disk is free from when its previous copy ended (or was removed).
    let freeAt = 0;
    for (const record of queue) {
      const copy = record.copy as CopyState;
      if (copy.completedAt !== undefined || copy.failedAt !== undefined) {
        freeAt = Math.max(freeAt, copy.completedAt ?? copy.failedAt ?? 0);
        continue;
      }
      if (copy.startedAt === undefined) {
        const startAt = Math.max(copy.readyAt, freeAt);
        if (startAt > now) return startAt;
        this.start(record, startAt);
      }
      const startedAt = copy.startedAt as number;
      const duration = copy.durationMs as number;
      if (copy.failAtPercent !== undefined) {
        const failAt = startedAt + (duration * copy.failAtPercent) / 100;
        if (failAt <= now) {
          copy.failedAt = failAt;
          copy.error = copy.failError;
          this.store.copies.delete(record);
          freeAt = failAt;
          continue;
        }
        return failAt;
      }
      if (copy.stall) return Number.POSITIVE_INFINITY; // a stuck copy blocks the disk's later copies (copy.onePerDisk)
      const doneAt = startedAt + duration;
      if (doneAt > now) return doneAt;
      copy.completedAt = doneAt;
      this.store.copies.delete(record);
      freeAt = doneAt;
    }
    return Number.POSITIVE_INFINITY;
  }

  private start(record: SnapshotRecord, at: number): void {
    const copy = record.copy as CopyState;
    const disk = this.store.disks.get(record.diskKey);
    const sizeGiB = disk ? this.copySize(record, disk) : 0;
    copy.startedAt = at;
    copy.sizeGiB = sizeGiB;
    copy.durationMs = Math.max(this.model.minimumMs, (sizeGiB / this.model.gibPerHour) * 3_600_000);
  }

  /** Changes since the newest completed copy of the same disk in the target region; a full copy without one. */
  copySize(target: SnapshotRecord, disk: DiskRecord): number {
    const base = this.store
      .liveSnapshotsOf(target.diskKey)
      .filter(
        (s) =>
          s !== target &&
          s.copy?.completedAt !== undefined &&
          s.location.toLowerCase() === target.location.toLowerCase() &&
          s.chainIndex < target.chainIndex,
      )
      .reduce<SnapshotRecord | undefined>(
        (best, s) => (best && best.chainIndex >= s.chainIndex ? best : s),
        undefined,
      );
    if (!base) return disk.seed.sizeGB;
    let changed = 0;
    for (let index = base.chainIndex + 1; index <= target.chainIndex; index += 1)
      changed += disk.chainDeltas[index] ?? 0;
    return Math.min(changed, disk.seed.sizeGB);
  }

  /** completionPercent as ARM reports it: below 100 until the data has moved. */
  completionPercent(record: SnapshotRecord, now: number): number | undefined {
    const copy = record.copy;
    if (!copy) return undefined;
    if (copy.completedAt !== undefined) return 100;
    if (copy.startedAt === undefined || copy.durationMs === undefined) return 0;
    const end = copy.failedAt ?? now;
    if (copy.stall) return 0;
    const percent = Math.floor(((end - copy.startedAt) / copy.durationMs) * 100);
    return Math.max(0, Math.min(99, percent));
  }

  isInFlight(record: SnapshotRecord): boolean {
    return (
      record.copy !== undefined && record.copy.completedAt === undefined && record.copy.failedAt === undefined
    );
  }

  inFlight(subscriptionId: string, location: string): number {
    // The store keeps the copies not ended apart from the fleet's snapshots and its finished copies.
    return [...this.store.copies].filter(
      (s) =>
        this.isInFlight(s) &&
        s.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
        s.location.toLowerCase() === location.toLowerCase(),
    ).length;
  }

  /** The source was deleted: every copy of it not yet done fails (copy.deleteSource). */
  failCopiesOf(source: SnapshotRecord, now: number): void {
    // A copy of `source` is filed under its disk (it takes its source's disk key).
    for (const record of this.store.liveSnapshotsOf(source.diskKey)) {
      if (record.createOption !== 'CopyStart' || !this.isInFlight(record)) continue;
      if (record.sourceUniqueId !== source.uniqueId) continue;
      const copy = record.copy as CopyState;
      copy.failedAt = now;
      copy.error = {
        errorCode: 'CopySourceNotFound',
        errorMessage: `The source snapshot '${source.id}' was deleted while the copy was in progress.`,
      };
      this.store.copies.delete(record);
      // The disk's next copy may start now rather than when this one would have ended.
      this.quietUntil = Number.NEGATIVE_INFINITY;
    }
  }
}
