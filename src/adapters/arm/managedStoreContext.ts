/**
 * What the parts of the managed-disk restore-point store share (ManagedDiskRestorePointStore.ts
 * builds it once): ARM's snapshot calls, the backup region's catalogue, CopyStart's slots, and the
 * store's settings; and the small rules every part reads a catalogue entry by.
 */
import { parseArmResourceId, resourceGroupId } from '../../domain/armId';
import type { Clock } from '../../ports/Clock';
import type { CopySlotKey, CopySlots } from '../../ports/CopySlots';
import type { EventLog } from '../../ports/EventLog';
import type { ListedPoint, RestorePointCatalog } from '../blob/RestorePointCatalog';
import { PointMetadata } from '../blob/restorePointMetadata';
import type { ArmSnapshots } from './ArmSnapshots';
import type { SasRangeReader } from './readSasRange';

export interface ManagedDiskRestorePointStoreOptions {
  /**
   * Content is compared on 1 point in this many (by tenant, device and slot); 1 compares every
   * point. The deployment's default: a policy's `contentCheck.sampleEvery` (the target's) wins.
   */
  contentSampleEvery?: number;
  /** Ranges read from each snapshot when content is compared, and their size. */
  sampleRanges?: number;
  sampleBytes?: number;
  /** Lifetime of the read-only SAS of a comparison (revoked as soon as it is done). */
  sasDurationInSeconds?: number;
  /** A copy not at 100 % this long after it started is stuck: failed, removed and tried again. */
  copyTimeoutInMs?: number;
  /** How often grant/revoke/delete long-running operations are polled. */
  pollIntervalInMs?: number;
}

export interface ManagedStoreContext {
  snapshots: ArmSnapshots;
  catalog: RestorePointCatalog;
  copySlots: CopySlots;
  events: EventLog;
  readRange: SasRangeReader;
  /** Wall-clock time: when a copy started, and whether it is stuck. */
  clock: Clock;
  options: Required<ManagedDiskRestorePointStoreOptions>;
  /** Whether a slot's grant sends the waiting copy's `slotWake` (else its caller must look again itself). */
  slotWakes: boolean;
  /**
   * Hands a slot that just came free (a copy ended) to the copy waiting longest for its key,
   * rather than at the grant timer's next tick; absent, the timer alone grants.
   */
  slotFreed?: (key: CopySlotKey) => Promise<unknown>;
}

/** The disk kind a managed-disk point records (`PointMetadata.diskKind`). */
export const managedDiskKind = 'managedDisk';

export function isManaged(entry: ListedPoint): boolean {
  return entry.metadata[PointMetadata.diskKind] === managedDiskKind;
}

/** The group of the device's newest recorded copy: where its chain in the backup region is. */
export function currentGroup(entries: readonly ListedPoint[]): string | undefined {
  for (const entry of entries) {
    const id = entry.metadata[PointMetadata.targetSnapshot];
    const parsed = id ? parseArmResourceId(id) : undefined;
    if (parsed) return resourceGroupId(parsed.subscriptionId, parsed.resourceGroup);
  }
  return undefined;
}
