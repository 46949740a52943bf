/**
 * Hands out CopyStart's slots: at most `limit` copies in flight per (subscription, target region),
 * across both control-plane regions (learn.microsoft.com, "disks-copy-incremental-snapshot-across-
 * regions": 100 per subscription per target region). Each tick looks only at keys where a copy
 * waits; for each, the region owning its lease (or taking over a lease that ran out, raising the
 * epoch) counts the copies holding a slot and grants the oldest waiting up to `limit − held`, in
 * one conditional write with the lease. A region whose lease is still running elsewhere leaves the
 * key alone. Grants of an owner that vanished stay counted: they are in the lease it left.
 */
import type { Clock } from '../ports/Clock';
import { ensureErrorType } from '../domain/errors';
import type {
  CopySlotLease,
  CopySlotOwnership,
  SlotHolder,
  WaitSignal,
  WaitingCopy,
} from '../ports/CopySlotOwnership';
import type { CopySlotKey } from '../ports/CopySlots';
import type { EventLog } from '../ports/EventLog';
import type { WorkMessage, WorkQueue } from '../ports/WorkQueue';
import type { QueueName } from '../queueNames';

export interface CopySlotSchedulerDependencies {
  slots: CopySlotOwnership;
  /** The control-plane region this process runs in. */
  region: string;
  /** Lease expiry is judged on this process's own clock, as activations' are. */
  clock: Clock;
  events: EventLog;
  /**
   * Where a granted copy's wake-up goes (`SlotWake`), so it starts at once instead of at its
   * requester's next look (~10 s later); without one, requesters find their grant themselves.
   */
  wakes?: WorkQueue;
}

export interface CopySlotSchedulerOptions {
  /** Copies in flight per key: CopyStart's documented 100 unless a test says otherwise. */
  limit?: number;
  /** How long an owner holds a key without renewing it before the other region may take it. Default 60 s. */
  leaseInMs?: number;
}

export interface CopySlotRun {
  /** Keys where a copy waited. */
  keys: number;
  /** Keys this region granted for (it owned them, or took them over). */
  owned: number;
  granted: number;
}

/** CopyStart's documented concurrency: copies in flight per subscription and target region. */
export const copyStartSlotsPerKey = 100;

export class CopySlotScheduler {
  private readonly limit: number;
  private readonly leaseInMs: number;

  constructor(
    private readonly deps: CopySlotSchedulerDependencies,
    options: CopySlotSchedulerOptions = {},
  ) {
    this.limit = options.limit ?? copyStartSlotsPerKey;
    this.leaseInMs = options.leaseInMs ?? 60_000;
    if (!(this.limit >= 1)) throw new RangeError('A copy-slot limit is at least 1');
  }

  async run(): Promise<CopySlotRun> {
    const run: CopySlotRun = { keys: 0, owned: 0, granted: 0 };
    for await (const signal of this.deps.slots.signalled()) {
      run.keys += 1;
      const granted = await this.tick(signal.key, signal);
      if (granted !== undefined) {
        run.owned += 1;
        run.granted += granted;
      }
    }
    return run;
  }

  /**
   * Grants one key's waiting copies now, as a tick does, when one of its slots came free (a copy
   * ended): the copy waiting longest starts at once rather than at the next tick (≤ 5 s later).
   * Nothing where another region owns the key; the signal is left to the ticks. Returns how many
   * copies this region granted. Safe beside a tick or another grant: each commit is conditional
   * on the lease's version, so of two at once one writes and the other grants nothing.
   */
  async grant(key: CopySlotKey): Promise<number> {
    return (await this.tick(key)) ?? 0;
  }

  /**
   * One key: how many copies this region granted, or undefined when another region owns it. With
   * the signal the tick was called for, lowers it once nothing waits.
   */
  private async tick(key: CopySlotKey, signal?: WaitSignal): Promise<number | undefined> {
    const { slots, region } = this.deps;
    const lease = await slots.lease(key);
    const now = this.deps.clock.now();
    const mine = lease.region === region;
    if (!mine && lease.region !== '' && Date.parse(lease.leaseUntil) > now.getTime()) return undefined;

    const holders = await slots.holders(lease, now);
    const room = this.limit - holders.length;
    const waiting = room > 0 ? await slots.oldestWaiting(key, room) : [];
    const renew = !mine || Date.parse(lease.leaseUntil) - now.getTime() < this.leaseInMs / 2;
    let granted = 0;
    let committed = true;
    if (waiting.length > 0 || renew || !sameHolders(holders, lease.holders)) {
      const commit = await slots.commit(
        lease,
        {
          region,
          // A lease changing hands raises the epoch, as an adopted activation's does.
          epoch: mine ? lease.epoch : lease.epoch + 1,
          leaseUntil: new Date(now.getTime() + this.leaseInMs).toISOString(),
          holders,
        },
        waiting,
        now,
      );
      granted = commit.granted.length;
      committed = commit.lease !== undefined;
      await this.wake(waiting, commit.granted);
      if (!commit.lease) {
        // Someone else wrote the lease first (the other region took it, or renewed it): theirs.
        if (granted === 0) return undefined;
      } else if (!mine) this.announceOwner(lease, commit.lease);
    }
    // Every copy that waited got a slot (fewer waited than there was room for): lower the signal,
    // unless a new request raised it since it was read. A request a stale read missed raises it
    // again when its requester asks again.
    if (signal && committed && waiting.length < room) await slots.settle(signal);
    return granted;
  }

  /**
   * Sends the wake-ups of the copies this tick granted. Only the region whose commit wrote the
   * grant sends it, once; a send that fails costs only time (the requester looks again itself).
   */
  private async wake(waiting: readonly WaitingCopy[], granted: readonly string[]): Promise<void> {
    const queue = this.deps.wakes;
    if (!queue || granted.length === 0) return;
    const ids = new Set(granted);
    const byQueue = new Map<QueueName, WorkMessage[]>();
    for (const copy of waiting) {
      if (!copy.wake || !ids.has(copy.requestId)) continue;
      const { queue: name, id, body, properties } = copy.wake;
      const messages = byQueue.get(name) ?? [];
      messages.push({ id, body, ...(properties ? { properties } : {}) });
      byQueue.set(name, messages);
    }
    for (const [name, messages] of byQueue) {
      try {
        await queue.send(name, messages);
      } catch (err) {
        this.deps.events.emit('copySlots.wake-failed', {
          queue: name,
          messages: messages.length,
          reason: ensureErrorType(err).message,
        });
      }
    }
  }

  private announceOwner(before: CopySlotLease, after: CopySlotLease): void {
    this.deps.events.emit('copySlots.owner-changed', {
      subscriptionId: after.key.subscriptionId,
      targetRegion: after.key.targetRegion,
      fromRegion: before.region || undefined,
      region: after.region,
      epoch: after.epoch,
      holders: after.holders.length,
    });
  }
}

function sameHolders(a: readonly SlotHolder[], b: readonly SlotHolder[]): boolean {
  if (a.length !== b.length) return false;
  const ids = new Set(b.map((h) => h.requestId));
  return a.every((h) => ids.has(h.requestId));
}
