/**
 * CopyStart's concurrency, shared by both control-plane regions: Azure runs at most 100
 * cross-region snapshot copies in flight per subscription and target region
 * (learn.microsoft.com, "disks-copy-incremental-snapshot-across-regions"). A copy starts only once
 * it holds one of its (subscription, target region)'s slots, and gives it back when it ends.
 */
import type { QueueName } from '../queueNames';

export interface CopySlotKey {
  subscriptionId: string;
  targetRegion: string;
}

/**
 * A queue message the grant of a waiting copy's slot sends (once, by the region that grants it),
 * so the copy starts at once rather than at its requester's next look. Its receiver must take it
 * as an idempotent nudge: it may come twice, late, or not at all (the requester still looks again).
 */
export interface SlotWake {
  queue: QueueName;
  id: string;
  body: unknown;
  properties?: Record<string, string | number | boolean>;
}

export interface CopySlots {
  /**
   * Asks for a slot for this copy. Idempotent by `copyId`: asking again answers the same, and a
   * copy granted once stays granted until released. `waiting` means ask again later; `wake`, kept
   * with a waiting request (the latest asked with), is sent when it is granted. A release is final:
   * a released `copyId` asking again (or first asking after its release) is refused with a
   * `ConflictError` of code `copy-slot-released`, so a copy that runs again asks under a new id.
   */
  request(key: CopySlotKey, copyId: string, wake?: SlotWake): Promise<'granted' | 'waiting'>;
  /** The copy ended (completed, failed or abandoned): its slot goes back. Idempotent. */
  release(key: CopySlotKey, copyId: string): Promise<void>;
}
