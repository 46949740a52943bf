/**
 * What a managed-disk point gives back: the source snapshots its device no longer needs once a
 * newer point is verified, the copy and its CopyStart slot when the point is removed (a failed
 * copy, or pruned by retention), and every slot request of a point whose slot was given up.
 */
import { armIdsEqual } from '../../domain/armId';
import type { DiskSnapshot } from '../../domain/disk';
import type { RestorePointTarget } from '../../ports/RestorePointStore';
import { PointMetadata } from '../blob/restorePointMetadata';
import { copyIdOf, recordedGeneration, releaseEveryGeneration, slotKeyOf } from './copySlotIds';
import { copyTargetOf } from './managedCopyStart';
import { isManaged, type ManagedStoreContext } from './managedStoreContext';

/**
 * The source snapshots of the device's older verified points: each was kept until the copy after
 * it completed, since a source is never deleted while its target is copying, and the newest one
 * is what the next incremental snapshot's copy follows. Each is handed back once (marked in its
 * record), so a cycle deletes one snapshot, not every old one again.
 */
export async function releaseSources(
  ctx: ManagedStoreContext,
  snapshot: DiskSnapshot,
  target: RestorePointTarget,
): Promise<DiskSnapshot[]> {
  const takenAt = target.takenAt.getTime();
  const released: DiskSnapshot[] = [];
  for (const entry of await ctx.catalog.listEntries(target.region, target.tenantId, target.deviceId)) {
    const source = entry.metadata[PointMetadata.sourceSnapshot];
    if (
      !isManaged(entry) ||
      !entry.point.verified ||
      Date.parse(entry.point.takenAt) >= takenAt ||
      entry.metadata[PointMetadata.sourceReleased] === 'true' ||
      !source ||
      armIdsEqual(source, snapshot.snapshotId)
    )
      continue;
    const marked = await ctx.catalog.patchMetadata(
      target.region,
      entry.point.name,
      entry.metadata,
      { [PointMetadata.sourceReleased]: 'true' },
      entry.etag,
    );
    if (marked)
      released.push({
        region: entry.metadata[PointMetadata.sourceRegion] ?? snapshot.region,
        disk: snapshot.disk,
        snapshotId: source,
        sizeBytes: entry.point.sizeBytes,
      });
  }
  return released;
}

/**
 * Deletes the copy in ARM (a running one is cancelled by it), gives its CopyStart slot back, then
 * removes the record: the record goes last, so a failure leaves the copy findable.
 */
export async function removePoint(ctx: ManagedStoreContext, region: string, name: string): Promise<void> {
  const read = await ctx.catalog.read(region, name);
  const targetId = read?.metadata?.[PointMetadata.targetSnapshot];
  if (targetId) {
    await ctx.snapshots.delete(targetId);
    const key = slotKeyOf(targetId, region);
    if (key) await ctx.copySlots.release(key, copyIdOf(targetId, recordedGeneration(read?.metadata ?? {})));
  }
  await ctx.catalog.delete(region, name);
}

/**
 * A given-up point's slot requests go back, though nothing may be recorded of them: a copy asks
 * for its slot before its record is written (managedCopyStart.ts), so a request waiting, or
 * granted to a copy that never started, is found by the target snapshot every start computes —
 * and by the recorded one, if a record is left — under every generation. A waiting request is then
 * never granted, a granted one frees its slot, and a late start of the point is refused.
 */
export async function closePointCopy(ctx: ManagedStoreContext, target: RestorePointTarget): Promise<void> {
  const entries = await ctx.catalog.listEntries(target.region, target.tenantId, target.deviceId);
  const targets = new Map<string, string>();
  const computed = copyTargetOf(target, entries);
  if (computed.ok) targets.set(computed.targetId.toLowerCase(), computed.targetId);
  const recorded = entries.find((entry) => entry.point.name === ctx.catalog.nameOf(target))?.metadata[
    PointMetadata.targetSnapshot
  ];
  if (recorded) targets.set(recorded.toLowerCase(), recorded);
  for (const targetId of targets.values()) {
    const key = slotKeyOf(targetId, target.region);
    if (key) await releaseEveryGeneration(ctx.copySlots, key, targetId);
  }
}
