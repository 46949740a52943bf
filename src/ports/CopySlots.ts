/**
 * CopyStart's concurrency, shared by both control-plane regions: Azure runs at most 100
 * cross-region snapshot copies in flight per subscription and target region
 * (learn.microsoft.com, "disks-copy-incremental-snapshot-across-regions"). A copy starts only once
 * it holds one of its (subscription, target region)'s slots, and gives it back when it ends.
 */
export interface CopySlotKey {
  subscriptionId: string;
  targetRegion: string;
}

export interface CopySlots {
  /**
   * Asks for a slot for this copy. Idempotent by `copyId`: asking again answers the same, and a
   * copy granted once stays granted until released. `waiting` means ask again later.
   */
  request(key: CopySlotKey, copyId: string): Promise<'granted' | 'waiting'>;
  /** The copy ended (completed, failed or abandoned): its slot goes back. Idempotent. */
  release(key: CopySlotKey, copyId: string): Promise<void>;
}
