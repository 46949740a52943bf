/**
 * Checking a managed-disk point's copy: where a recorded copy stands, read from the target
 * snapshot itself. The CopyStart PUT's long-running operation succeeds long before the data has
 * moved (learn.microsoft.com, "disks-copy-incremental-snapshot-across-regions": "You can check the
 * process of a copy so you know when a target snapshot is ready"), so the copy is done only when
 * its `completionPercent` is 100; the operation is never looked at.
 */
import { ensureErrorType } from '../../domain/errors';
import type { CopyStatus } from '../../ports/RestorePointStore';
import type { ListedPoint } from '../blob/RestorePointCatalog';
import { PointMetadata } from '../blob/restorePointMetadata';
import { recordedEncryption } from './copyEncryptionMetadata';
import { copyStateOf } from './copyChecks';
import { copyIdOf, isSlotReleased, recordedGeneration, slotKeyOf } from './copySlotIds';
import type { ManagedStoreContext } from './managedStoreContext';

/**
 * Copied only at 100 % with provisioningState Succeeded. A record whose target does not exist
 * (the process stopped between recording and starting) is started again, with its slot; a copy
 * running past the timeout is stuck. A copy that ended gives its slot back, and the slot goes to
 * the copy waiting longest at once. A running copy says how far it is, so its next look can be
 * when it should be done.
 */
export async function copyProgress(
  ctx: ManagedStoreContext,
  entry: ListedPoint,
  region: string,
): Promise<CopyStatus> {
  if (entry.point.verified) return { state: 'verified' };
  const unusable = entry.metadata[PointMetadata.unusable];
  if (unusable) return { state: 'failed', reason: `unusable: ${unusable}` };
  const targetId = entry.metadata[PointMetadata.targetSnapshot];
  const sourceId = entry.metadata[PointMetadata.sourceSnapshot];
  const key = targetId ? slotKeyOf(targetId, region) : undefined;
  if (!targetId || !sourceId || !key)
    return { state: 'failed', reason: `restore point ${entry.point.name} records no copy` };
  const copyId = copyIdOf(targetId, recordedGeneration(entry.metadata));
  const copy = await ctx.snapshots.get(targetId);
  if (!copy) {
    let slot;
    try {
      slot = await ctx.copySlots.request(key, copyId);
    } catch (err) {
      // Its slot went back (a removal stopped between releasing it and deleting the record): this
      // generation cannot start. Failed, so the point is removed and started under the next one.
      if (!isSlotReleased(err)) throw err;
      return { state: 'failed', reason: `the slot of copy ${targetId} was released before it started` };
    }
    if (slot === 'granted')
      await ctx.snapshots.startCopy(
        targetId,
        sourceId,
        {
          tenantId: entry.point.tenantId,
          deviceId: entry.point.deviceId,
          takenAt: new Date(entry.point.takenAt),
          region,
        },
        recordedEncryption(entry.metadata),
      );
    return { state: 'pending' };
  }
  const status = copyStateOf(copy);
  if (status.state === 'pending') {
    const startedAt = Date.parse(entry.metadata[PointMetadata.copyStartedAt] ?? '');
    const runningMs = ctx.clock.now().getTime() - startedAt;
    if (!(runningMs <= ctx.options.copyTimeoutInMs)) {
      ctx.events.emit('restore-point.copy-stuck', {
        tenantId: entry.point.tenantId,
        deviceId: entry.point.deviceId,
        takenAt: entry.point.takenAt,
        snapshot: targetId,
        completionPercent: copy.completionPercent,
        runningMinutes: Math.round(runningMs / 60_000),
      });
      return {
        state: 'failed',
        reason: `stuck: ${copy.completionPercent ?? 0} % after ${Math.round(runningMs / 60_000)} min`,
      };
    }
    return { state: 'pending', progress: { percent: copy.completionPercent ?? 0, runningMs } };
  }
  await ctx.copySlots.release(key, copyId);
  if (!ctx.slotFreed) return status;
  try {
    await ctx.slotFreed(key);
  } catch (err) {
    // Costs time, not a slot: the grant timer hands it out at its next tick.
    ctx.events.emit('copySlots.grant-failed', {
      subscriptionId: key.subscriptionId,
      targetRegion: key.targetRegion,
      reason: ensureErrorType(err).message,
    });
  }
  return status.state === 'copied' ? { state: 'copied', handedOn: true } : status;
}
