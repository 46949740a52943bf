/**
 * What the owner of a (subscription, target region)'s CopyStart slots reads and writes (see
 * ./CopySlots for the requesters' side). One control-plane region owns a key at a time, under a
 * lease with an epoch; its scheduler (src/app/CopySlotScheduler.ts) is the only writer of grants,
 * and every grant is written in the same conditional write as the lease, so an owner that lost the
 * lease grants nothing. The copies holding a slot are recorded in the lease itself (`holders`),
 * never in a counter several regions update.
 */
import type { CopySlotKey, SlotWake } from './CopySlots';

export interface SlotHolder {
  /** The copy's request. */
  requestId: string;
  grantedAt: string;
}

export interface CopySlotLease {
  key: CopySlotKey;
  /** The control-plane region that grants this key's slots; empty before anyone has. */
  region: string;
  epoch: number;
  leaseUntil: string;
  /** Copies granted a slot and not yet seen released. */
  holders: SlotHolder[];
  /** Opaque: a write is conditional on it. */
  version: string;
}

export interface WaitingCopy {
  requestId: string;
  copyId: string;
  requestedAt: string;
  version: string;
  /** Sent by whoever grants it (CopySlots.request). */
  wake?: SlotWake;
}

/** A key's "a copy waits" signal as read; cleared only if nothing raised it since. */
export interface WaitSignal {
  key: CopySlotKey;
  version: string;
}

export interface CopySlotCommit {
  /** The lease as written; undefined when it had changed (another owner, or another tick of ours). */
  lease?: CopySlotLease;
  /** Request ids granted by this commit. */
  granted: string[];
}

export interface CopySlotOwnership {
  /** Keys with a raised signal: one indexed query, which returns nothing when nothing waits. */
  signalled(): AsyncIterable<WaitSignal>;
  /** The key's lease; one with no owner when none was ever taken. */
  lease(key: CopySlotKey): Promise<CopySlotLease>;
  /**
   * The copies holding a slot now: the lease's holders less those seen released, plus any copy
   * seen granted that the lease does not list (a write lost in a conflict must not free its slot).
   * A stale read can only keep a released copy counted, never drop a granted one.
   */
  holders(lease: CopySlotLease, now: Date): Promise<SlotHolder[]>;
  /** Up to `count` waiting copies, oldest request first. */
  oldestWaiting(key: CopySlotKey, count: number): Promise<WaitingCopy[]>;
  /**
   * Writes the lease (owner, epoch, lease time, holders) and grants `grants`, all conditional on
   * the lease being unchanged since it was read. A copy that changed since it was read (released
   * meanwhile) is skipped, not granted.
   */
  commit(
    lease: CopySlotLease,
    next: Pick<CopySlotLease, 'region' | 'epoch' | 'leaseUntil' | 'holders'>,
    grants: readonly WaitingCopy[],
    now: Date,
  ): Promise<CopySlotCommit>;
  /** Lowers the signal unless it was raised again since `signal` was read. */
  settle(signal: WaitSignal): Promise<void>;
}
