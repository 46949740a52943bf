/**
 * CopyStart's slots in memory, for the `managed-cycle-arm` benchmark: both sides of the product's
 * slot ports — the requesters' (`CopySlots`, what ManagedDiskRestorePointStore asks) and the
 * owner's (`CopySlotOwnership`, what the product's own CopySlotScheduler grants through) — as
 * CosmosCopySlots keeps them, without Cosmos DB: a new request waits (with its wake-up) until the
 * scheduler grants it, oldest first, up to the limit less the copies holding a slot; a release is
 * final (a released copy id asking again is refused with `copy-slot-released`). One control-plane
 * region, so the lease's conditional writes never conflict. Records the most copies granted at once
 * per key, so the run can show the limit held on the product's side too (the ARM double counts
 * what ARM saw).
 */
import { ConflictError } from '../src/domain/errors';
import type {
  CopySlotCommit,
  CopySlotLease,
  CopySlotOwnership,
  SlotHolder,
  WaitSignal,
  WaitingCopy,
} from '../src/ports/CopySlotOwnership';
import type { CopySlotKey, CopySlots, SlotWake } from '../src/ports/CopySlots';
import type { Clock } from '../src/ports/Clock';

type RequestState = 'waiting' | 'granted' | 'released';

interface SlotRequest {
  state: RequestState;
  requestedAt: string;
  grantedAt?: string;
  wake?: SlotWake;
  /** Bumped on every change: a grant is conditional on it, as on a Cosmos ETag. */
  version: number;
}

interface KeyState {
  key: CopySlotKey;
  requests: Map<string, SlotRequest>;
  /** Waiting request ids in the order they asked (a Map keeps insertion order). */
  waiting: Map<string, true>;
  granted: Set<string>;
  lease: Omit<CopySlotLease, 'version'> & { version: number };
  signal: { waiting: boolean; version: number };
  maxGranted: number;
}

export interface SlotCounters {
  requests: number;
  grants: number;
  releases: number;
  /** The most copies holding a slot at once, per `subscription|region`. */
  maxGranted: Record<string, number>;
}

export class MemorySlotBook implements CopySlots, CopySlotOwnership {
  private readonly keys = new Map<string, KeyState>();
  private requestCount = 0;
  private grantCount = 0;
  private releaseCount = 0;

  constructor(private readonly clock: Clock) {}

  // ---- the requesters' side ----

  async request(key: CopySlotKey, copyId: string, wake?: SlotWake): Promise<'granted' | 'waiting'> {
    this.requestCount += 1;
    const state = this.stateOf(key);
    const existing = state.requests.get(copyId);
    if (existing?.state === 'released')
      throw new ConflictError('copy-slot-released', `Copy ${copyId} already released its slot`);
    if (existing?.state === 'granted') return 'granted';
    if (existing) {
      // Still waiting: the latest wake-up asked with is the one its grant sends.
      if (wake && existing.wake?.id !== wake.id) {
        existing.wake = wake;
        existing.version += 1;
      }
    } else {
      state.requests.set(copyId, {
        state: 'waiting',
        requestedAt: this.clock.now().toISOString(),
        ...(wake ? { wake } : {}),
        version: 1,
      });
      state.waiting.set(copyId, true);
    }
    // A new request (or one asking again) raises the key's signal, as CosmosCopySlots does.
    state.signal = { waiting: true, version: state.signal.version + 1 };
    return 'waiting';
  }

  async release(key: CopySlotKey, copyId: string): Promise<void> {
    const state = this.stateOf(key);
    const existing = state.requests.get(copyId);
    if (existing?.state === 'released') return;
    this.releaseCount += 1;
    // A tombstone even without a request (abandoned before it asked), as Cosmos keeps one.
    state.requests.set(copyId, {
      requestedAt: existing?.requestedAt ?? this.clock.now().toISOString(),
      state: 'released',
      version: (existing?.version ?? 0) + 1,
    });
    state.waiting.delete(copyId);
    state.granted.delete(copyId);
  }

  // ---- the owner's side ----

  async *signalled(): AsyncIterable<WaitSignal> {
    for (const state of [...this.keys.values()])
      if (state.signal.waiting) yield { key: state.key, version: String(state.signal.version) };
  }

  async lease(key: CopySlotKey): Promise<CopySlotLease> {
    const { lease } = this.stateOf(key);
    return { ...lease, holders: [...lease.holders], version: String(lease.version) };
  }

  async holders(lease: CopySlotLease, now: Date): Promise<SlotHolder[]> {
    const state = this.stateOf(lease.key);
    // The lease's holders less those released, plus any copy granted that it does not list.
    const holders = lease.holders.filter((h) => state.requests.get(h.requestId)?.state === 'granted');
    const listed = new Set(holders.map((h) => h.requestId));
    for (const id of state.granted)
      if (!listed.has(id))
        holders.push({ requestId: id, grantedAt: state.requests.get(id)?.grantedAt ?? now.toISOString() });
    return holders;
  }

  async oldestWaiting(key: CopySlotKey, count: number): Promise<WaitingCopy[]> {
    const state = this.stateOf(key);
    const out: WaitingCopy[] = [];
    for (const id of state.waiting.keys()) {
      if (out.length >= count) break;
      const request = state.requests.get(id)!;
      out.push({
        requestId: id,
        copyId: id,
        requestedAt: request.requestedAt,
        version: String(request.version),
        ...(request.wake ? { wake: request.wake } : {}),
      });
    }
    return out;
  }

  async commit(
    lease: CopySlotLease,
    next: Pick<CopySlotLease, 'region' | 'epoch' | 'leaseUntil' | 'holders'>,
    grants: readonly WaitingCopy[],
    now: Date,
  ): Promise<CopySlotCommit> {
    const state = this.stateOf(lease.key);
    if (String(state.lease.version) !== lease.version) return { granted: [] };
    const granted: string[] = [];
    const holders = [...next.holders];
    for (const grant of grants) {
      const request = state.requests.get(grant.requestId);
      // Changed since it was listed (released meanwhile): skipped, as a failed batch operation is.
      if (!request || request.state !== 'waiting' || String(request.version) !== grant.version) continue;
      request.state = 'granted';
      request.grantedAt = now.toISOString();
      request.version += 1;
      state.waiting.delete(grant.requestId);
      state.granted.add(grant.requestId);
      holders.push({ requestId: grant.requestId, grantedAt: request.grantedAt });
      granted.push(grant.requestId);
    }
    this.grantCount += granted.length;
    state.maxGranted = Math.max(state.maxGranted, state.granted.size);
    state.lease = {
      key: state.lease.key,
      region: next.region,
      epoch: next.epoch,
      leaseUntil: next.leaseUntil,
      holders,
      version: state.lease.version + 1,
    };
    return {
      lease: { ...state.lease, holders: [...holders], version: String(state.lease.version) },
      granted,
    };
  }

  async settle(signal: WaitSignal): Promise<void> {
    const state = this.stateOf(signal.key);
    if (String(state.signal.version) === signal.version)
      state.signal = { waiting: false, version: state.signal.version + 1 };
  }

  // ---- the benchmark's view ----

  counters(): SlotCounters {
    return {
      requests: this.requestCount,
      grants: this.grantCount,
      releases: this.releaseCount,
      maxGranted: Object.fromEntries([...this.keys.entries()].map(([k, state]) => [k, state.maxGranted])),
    };
  }

  /** Copies holding a slot and copies waiting for one, over every key. */
  load(): { granted: number; waiting: number } {
    let granted = 0;
    let waiting = 0;
    for (const state of this.keys.values()) {
      granted += state.granted.size;
      waiting += state.waiting.size;
    }
    return { granted, waiting };
  }

  private stateOf(key: CopySlotKey): KeyState {
    // As Cosmos stores it (copySlotDocuments.normalKey): subscription and region compare without case.
    const normal = {
      subscriptionId: key.subscriptionId.toLowerCase(),
      targetRegion: key.targetRegion.toLowerCase(),
    };
    const id = `${normal.subscriptionId}|${normal.targetRegion}`;
    let state = this.keys.get(id);
    if (!state) {
      state = {
        key: normal,
        requests: new Map(),
        waiting: new Map(),
        granted: new Set(),
        lease: {
          key: normal,
          region: '',
          epoch: 0,
          leaseUntil: new Date(0).toISOString(),
          holders: [],
          version: 1,
        },
        signal: { waiting: false, version: 1 },
        maxGranted: 0,
      };
      this.keys.set(id, state);
    }
    return state;
  }
}
