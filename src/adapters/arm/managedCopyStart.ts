/**
 * Starting a managed-disk point's copy: where it goes (the device's backup resource group and the
 * target snapshot's name), its CopyStart slot, its source's create read once the slot is held, its
 * record in the catalogue, then the CopyStart PUT. Start–record–check: nothing here waits for the
 * copy (managedCopyProgress.ts reads it back).
 */
import type { Snapshot } from '@azure/arm-compute';
import { parseResourceGroupId, snapshotId } from '../../domain/armId';
import { describeDisk, type DiskSnapshot } from '../../domain/disk';
import { copyEncryptionFor, type DiskEncryption } from '../../domain/managedDisk';
import { managedSnapshotName, stickyBackupResourceGroup } from '../../domain/managedDiskPlacement';
import type { CopySlotKey } from '../../ports/CopySlots';
import type { CopyStatus, RestorePointTarget } from '../../ports/RestorePointStore';
import type { ListedPoint } from '../blob/RestorePointCatalog';
import { newPointMetadata, PointMetadata } from '../blob/restorePointMetadata';
import { encryptionMetadata } from './copyEncryptionMetadata';
import { copyIdOf, requestCopySlot } from './copySlotIds';
import { copyProgress } from './managedCopyProgress';
import { currentGroup, isManaged, managedDiskKind, type ManagedStoreContext } from './managedStoreContext';

/** Where a point's copy goes: its target snapshot and the CopyStart key it takes a slot of. */
export type CopyTarget =
  { ok: true; targetId: string; subscriptionId: string; key: CopySlotKey } | { ok: false; reason: string };

/**
 * The point's target snapshot, as every start of it computes it: in the device's group of the
 * backup region (the group of its newest recorded copy while that is still one of the tenant's),
 * named by (tenant, device, slot).
 */
export function copyTargetOf(target: RestorePointTarget, entries: readonly ListedPoint[]): CopyTarget {
  const group = stickyBackupResourceGroup(
    target.tenantId,
    target.deviceId,
    target.backupResourceGroups ?? [],
    currentGroup(entries),
  );
  const parsed = group ? parseResourceGroupId(group) : undefined;
  if (!parsed) return { ok: false, reason: `the tenant names no backup resource group in ${target.region}` };
  const targetId = snapshotId(
    parsed.subscriptionId,
    parsed.resourceGroup,
    managedSnapshotName(target.tenantId, target.deviceId, target.takenAt, 'copy'),
  );
  return {
    ok: true,
    targetId,
    subscriptionId: parsed.subscriptionId,
    key: { subscriptionId: parsed.subscriptionId, targetRegion: target.region },
  };
}

/**
 * Starts the slot's copy, or reports the one already started. Copies of one disk run one at a
 * time in creation order (Azure's rule): while an earlier copy of the device is still running,
 * this one waits. A copy starts only with a CopyStart slot of its (subscription, backup region).
 */
export async function startManagedCopy(
  ctx: ManagedStoreContext,
  snapshot: DiskSnapshot,
  target: RestorePointTarget,
): Promise<CopyStatus> {
  if (snapshot.disk.kind !== 'managedDisk')
    throw new TypeError(`Disk ${describeDisk(snapshot.disk)} is not a managed disk`);
  const { catalog, copySlots } = ctx;
  const name = catalog.nameOf(target);
  const entries = await catalog.listEntries(target.region, target.tenantId, target.deviceId);
  const mine = entries.find((entry) => entry.point.name === name);
  if (mine) return await copyProgress(ctx, mine, target.region);
  const takenAt = target.takenAt.getTime();
  if (entries.some((entry) => isManaged(entry) && Date.parse(entry.point.takenAt) > takenAt))
    return { state: 'failed', reason: 'a newer point of the device exists: copies go in creation order' };
  for (const earlier of entries) {
    if (!isManaged(earlier) || earlier.point.verified || earlier.metadata[PointMetadata.unusable]) continue;
    if ((await copyProgress(ctx, earlier, target.region)).state === 'pending') return { state: 'pending' };
  }

  const where = copyTargetOf(target, entries);
  if (!where.ok) return { state: 'failed', reason: where.reason };
  const { targetId, key } = where;
  // Decided before a slot is taken: a copy that cannot be encrypted like its disk never starts.
  const encryption = copyEncryptionFor(
    snapshot.encryption ?? target.diskEncryption,
    target.backupDiskEncryptionSets ?? [],
    where.subscriptionId,
    target.region,
  );
  if (!encryption.ok) {
    emitEncryptionSetMissing(ctx, target, encryption.reason);
    return { state: 'failed', reason: encryption.reason };
  }
  // A point whose earlier copy was removed (failed, stuck or unverifiable) starts it again under
  // the next generation's slot id: its old id was released, and a release is final.
  const slot = await requestCopySlot(copySlots, key, targetId, target.slotWake);
  if (slot.state === 'exhausted')
    return { state: 'failed', reason: `the copy was started ${slot.generations} times` };
  // Where the grant sends the target's wake-up, a look at the copy before it is only a safety net.
  if (slot.state === 'waiting')
    return { state: 'pending', ...(ctx.slotWakes && target.slotWake ? { waiting: 'copy-slot' } : {}) };
  const copyId = copyIdOf(targetId, slot.generation);
  // The source's create was only asked for (start–record–check, ArmDiskSource): read it once the
  // slot is held, so a copy waiting for a slot costs no ARM read. Its own size and encryption
  // (the disk's at that moment) are what the copy and its record follow.
  const created = await sourceOf(ctx, snapshot);
  if (created.state === 'creating') return { state: 'pending' };
  if (created.state === 'failed') {
    await copySlots.release(key, copyId);
    return { state: 'failed', reason: created.reason };
  }
  const source = created.snapshot;
  const sourceEncryption = copyEncryptionFor(
    source.encryption ?? target.diskEncryption,
    target.backupDiskEncryptionSets ?? [],
    where.subscriptionId,
    target.region,
  );
  if (!sourceEncryption.ok) {
    await copySlots.release(key, copyId);
    emitEncryptionSetMissing(ctx, target, sourceEncryption.reason);
    return { state: 'failed', reason: sourceEncryption.reason };
  }
  // Recorded before the copy starts: whoever comes next finds the target by the record.
  const recorded = await catalog.createRecord(target, {
    ...newPointMetadata(source, target),
    [PointMetadata.diskKind]: managedDiskKind,
    [PointMetadata.targetSnapshot]: targetId,
    [PointMetadata.copyStartedAt]: ctx.clock.now().toISOString(),
    [PointMetadata.copyGeneration]: String(slot.generation),
    ...encryptionMetadata(sourceEncryption.encryption),
  });
  if (!recorded) {
    const other = await catalog.listed(target.region, name);
    return other ? await copyProgress(ctx, other, target.region) : { state: 'pending' };
  }
  await ctx.snapshots.startCopy(targetId, source.snapshotId, target, sourceEncryption.encryption);
  return { state: 'pending' };
}

function emitEncryptionSetMissing(
  ctx: ManagedStoreContext,
  target: RestorePointTarget,
  reason: string,
): void {
  ctx.events.emit('restore-point.encryption-set-missing', {
    tenantId: target.tenantId,
    deviceId: target.deviceId,
    takenAt: target.takenAt.toISOString(),
    reason,
  });
}

/**
 * The source snapshot as ARM has it: still being created, failed (or gone), or created, with
 * its size and its encryption as ARM made it.
 */
async function sourceOf(
  ctx: ManagedStoreContext,
  snapshot: DiskSnapshot,
): Promise<
  { state: 'creating' } | { state: 'failed'; reason: string } | { state: 'created'; snapshot: DiskSnapshot }
> {
  const found = await ctx.snapshots.get(snapshot.snapshotId);
  if (!found) return { state: 'failed', reason: `the source snapshot ${snapshot.snapshotId} does not exist` };
  if (found.provisioningState === 'Failed')
    return { state: 'failed', reason: `the source snapshot ${snapshot.snapshotId} failed to provision` };
  if (found.provisioningState !== 'Succeeded') return { state: 'creating' };
  const encryption = snapshotEncryption(found);
  return {
    state: 'created',
    snapshot: {
      ...snapshot,
      sizeBytes: found.diskSizeBytes ?? (found.diskSizeGB ?? 0) * gib,
      ...(encryption ? { encryption } : {}),
    },
  };
}

const gib = 1024 ** 3;

/** A snapshot's encryption as ARM reports it; undefined when it reports none. */
function snapshotEncryption(snapshot: Snapshot): DiskEncryption | undefined {
  const { type, diskEncryptionSetId } = snapshot.encryption ?? {};
  if (!type && !diskEncryptionSetId) return undefined;
  return { ...(type ? { type } : {}), ...(diskEncryptionSetId ? { diskEncryptionSetId } : {}) };
}
