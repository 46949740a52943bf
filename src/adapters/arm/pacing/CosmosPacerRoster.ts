/**
 * The roster of the pacers of one control-plane region across its Function App instances, kept in
 * Cosmos DB: one document per member (process), in the region's logical partition, listing the
 * subscriptions it is calling ARM on and its latest heartbeat. Every `heartbeatEveryInMs` a member
 * upserts its document and reads the partition; a member that stops heartbeating drops out of the
 * others' counts after `memberExpiresAfterInMs` (Cosmos DB removes the document later, by `ttl`).
 *
 * The rules that keep the shares (./PacedBucket) summing to no more than the bucket:
 * - A member spends only while its last successful heartbeat started less than
 *   `viewValidForInMs` ago (H_max). Its view of the others is then that recent, and the others,
 *   who drop a member whose heartbeat is older than `memberExpiresAfterInMs` (> H_max + skew), still
 *   count it: nobody has taken its share.
 * - A member that lists a subscription anew is admitted on it only once every other member's
 *   current view counts it: H_max + clock skew + replication lag after its write was acknowledged.
 *   If a read made a replication lag after that write finds no other member on the subscription,
 *   it is admitted then: any member that wrote earlier is in that read, and any that writes later
 *   finds this one and waits. Cosmos DB's session consistency promises another client's read only
 *   a consistent prefix; in-region replication within `replicationLagInMs` is assumed, not
 *   documented.
 * - A member that lapsed (no successful heartbeat for H_max) forfeits its shares and joins again.
 *
 * Costs (defaults): a member on a subscription others call waits ~12 s before its first call
 * there; alone, ~1 s and two round trips. Per member, one upsert (~6-10 RU for a small document)
 * and one single-partition query (~3 RU) every 5 s while it calls ARM: 100 instances, ~200 RU/s.
 * An instance that dies leaves its share unused until it expires (15 s) and others next read.
 */
import type { Container } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import type { EventLog } from '../../../ports/EventLog';
import type { PacerRoster, RosterView } from './pacerRoster';

export interface CosmosRosterTimings {
  heartbeatEveryInMs: number;
  /** H_max: how long a heartbeat (and the view read after it) lets a member spend. */
  viewValidForInMs: number;
  /** A member whose heartbeat is older than this is no longer counted. Above H_max + skew. */
  memberExpiresAfterInMs: number;
  /** How far apart the instances' clocks may be (assumed: Azure's hosts keep time by NTP). */
  clockSkewInMs: number;
  /** How long after it is acknowledged a write may still be missing from another client's read (assumed). */
  replicationLagInMs: number;
  /** How long an idle member keeps its place on a subscription (and its share). */
  lingerInMs: number;
}

export const defaultRosterTimings: CosmosRosterTimings = {
  heartbeatEveryInMs: 5_000,
  viewValidForInMs: 10_000,
  memberExpiresAfterInMs: 15_000,
  clockSkewInMs: 1_000,
  replicationLagInMs: 1_000,
  lingerInMs: 60_000,
};

export interface CosmosPacerRosterOptions {
  /** The control-plane region whose principal the members share. */
  region: string;
  memberId?: string;
  timings?: Partial<CosmosRosterTimings>;
  /** Wall-clock ms (the members' clocks are compared). */
  nowMs?: () => number;
  events?: EventLog;
}

/** A member's document. */
export interface RosterDocument {
  id: string;
  partition: string;
  type: 'armPacer';
  region: string;
  /** The scopes (subscriptions) it is calling ARM on, or keeps its place on. */
  scopes: string[];
  heartbeatAtMs: number;
  /** Seconds until Cosmos DB removes it: long after the others stopped counting it. */
  ttl: number;
}

interface ScopeState {
  busy: boolean;
  idleSinceMs: number;
  /** When the write that first listed it (this time) was acknowledged. */
  listedAtMs?: number;
  /** From when it may spend; undefined until decided. */
  admittedAtMs?: number;
  epoch: number;
}

export class CosmosPacerRoster implements PacerRoster {
  readonly memberId: string;
  private readonly partition: string;
  private readonly timings: CosmosRosterTimings;
  private readonly nowMs: () => number;
  private readonly scopes = new Map<string, ScopeState>();
  private readonly listeners: (() => void)[] = [];
  /** Other members by id: their scopes and heartbeat, from the latest read. */
  private others = new Map<string, { scopes: ReadonlySet<string>; heartbeatAtMs: number }>();
  private freshUntilMs = 0;
  private epochs = 0;
  private closed = false;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextRound: NodeJS.Timeout | undefined;

  constructor(
    private readonly container: Container,
    private readonly options: CosmosPacerRosterOptions,
  ) {
    this.memberId = options.memberId ?? randomUUID();
    this.partition = `armPacers|${options.region}`;
    this.timings = { ...defaultRosterTimings, ...options.timings };
    this.nowMs = options.nowMs ?? Date.now;
    const t = this.timings;
    if (!(t.memberExpiresAfterInMs > t.viewValidForInMs + t.clockSkewInMs))
      throw new RangeError('memberExpiresAfterInMs must exceed viewValidForInMs + clockSkewInMs');
    if (!(t.heartbeatEveryInMs < t.viewValidForInMs))
      throw new RangeError('heartbeatEveryInMs must be below viewValidForInMs');
  }

  view(scope: string): RosterView {
    const state = this.scopes.get(scope);
    const now = this.nowMs();
    const admitted =
      !this.closed &&
      state?.admittedAtMs !== undefined &&
      now >= state.admittedAtMs &&
      now < this.freshUntilMs;
    return { admitted, members: 1 + this.othersOn(scope), epoch: state?.epoch ?? 0 };
  }

  busy(scope: string, busy: boolean): void {
    if (this.closed) return;
    const state = this.scopes.get(scope);
    if (state) {
      state.busy = busy;
      if (!busy) state.idleSinceMs = this.nowMs();
      return;
    }
    if (!busy) return;
    this.scopes.set(scope, { busy, idleSinceMs: this.nowMs(), epoch: 0 });
    this.runSoon();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.nextRound) clearTimeout(this.nextRound);
    this.notify();
    await this.running?.catch(() => undefined);
    try {
      await this.container.item(this.memberId, this.partition).delete();
    } catch {
      // Gone already, or Cosmos DB unreachable: the document expires by itself.
    }
  }

  private othersOn(scope: string): number {
    let count = 0;
    for (const other of this.others.values()) if (other.scopes.has(scope)) count += 1;
    return count;
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Runs a round now, or right after the one running. */
  private runSoon(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.nextRound) clearTimeout(this.nextRound);
    this.nextRound = undefined;
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.runSoon();
      } else this.schedule();
    });
  }

  private schedule(): void {
    if (this.closed || this.scopes.size === 0) return;
    this.nextRound = setTimeout(() => this.runSoon(), this.timings.heartbeatEveryInMs);
    this.nextRound.unref();
  }

  private at(timeMs: number, run: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (!this.closed) run();
      },
      Math.max(0, timeMs - this.nowMs()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Heartbeat: leave idle scopes, write this member's document, read the others. */
  private async round(): Promise<void> {
    const start = this.nowMs();
    for (const [scope, state] of this.scopes)
      if (!state.busy && start - state.idleSinceMs > this.timings.lingerInMs) this.scopes.delete(scope);
    const listed = [...this.scopes.keys()];
    const document: RosterDocument = {
      id: this.memberId,
      partition: this.partition,
      type: 'armPacer',
      region: this.options.region,
      scopes: listed,
      heartbeatAtMs: start,
      ttl: Math.ceil((this.timings.memberExpiresAfterInMs * 4) / 1000),
    };
    try {
      await this.container.items.upsert(document);
      const acknowledged = this.nowMs();
      const changed = await this.read();
      this.freshUntilMs = start + this.timings.viewValidForInMs;
      this.at(this.freshUntilMs, () => this.lapseIfStale());
      let joining = false;
      for (const scope of listed) {
        const state = this.scopes.get(scope);
        if (state && state.listedAtMs === undefined) {
          state.listedAtMs = acknowledged;
          joining = true;
        }
      }
      if (joining)
        this.at(acknowledged + this.timings.replicationLagInMs, () => void this.decideAdmissions());
      if (changed) this.notify();
    } catch (err) {
      this.options.events?.emit('arm.roster-failed', {
        region: this.options.region,
        memberId: this.memberId,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Reads the others' documents; true when the counts changed. */
  private async read(): Promise<boolean> {
    const readAt = this.nowMs();
    const { resources } = await this.container.items
      .query<Pick<RosterDocument, 'id' | 'scopes' | 'heartbeatAtMs'>>(
        {
          query:
            'SELECT c.id, c.scopes, c.heartbeatAtMs FROM c WHERE c.partition = @partition AND c.type = @type',
          parameters: [
            { name: '@partition', value: this.partition },
            { name: '@type', value: 'armPacer' },
          ],
        },
        { partitionKey: this.partition },
      )
      .fetchAll();
    const others = new Map<string, { scopes: ReadonlySet<string>; heartbeatAtMs: number }>();
    // Counted while its heartbeat may be recent on its own clock: the skew errs towards counting.
    const expiry = this.timings.memberExpiresAfterInMs + this.timings.clockSkewInMs;
    for (const doc of resources)
      if (doc.id !== this.memberId && readAt - doc.heartbeatAtMs <= expiry)
        others.set(doc.id, { scopes: new Set(doc.scopes), heartbeatAtMs: doc.heartbeatAtMs });
    const before = this.signature(this.others);
    this.others = others;
    return before !== this.signature(others);
  }

  private signature(others: ReadonlyMap<string, { scopes: ReadonlySet<string> }>): string {
    return [...others.entries()]
      .map(([id, o]) => `${id}:${[...o.scopes].sort().join(',')}`)
      .sort()
      .join(';');
  }

  /**
   * A replication lag after the join write: alone on a scope, admitted now; else once every other
   * member has read this one (H_max + skew + lag after the write).
   */
  private async decideAdmissions(): Promise<void> {
    try {
      const readStart = this.nowMs();
      await this.read();
      const t = this.timings;
      for (const [scope, state] of this.scopes) {
        if (state.listedAtMs === undefined || state.admittedAtMs !== undefined) continue;
        if (state.listedAtMs + t.replicationLagInMs > readStart) {
          // Woken a little early (timers and the wall clock differ by a millisecond or so).
          this.at(state.listedAtMs + t.replicationLagInMs + 1, () => void this.decideAdmissions());
          continue;
        }
        this.epochs += 1;
        state.epoch = this.epochs;
        state.admittedAtMs =
          this.othersOn(scope) === 0
            ? readStart
            : state.listedAtMs + t.viewValidForInMs + t.clockSkewInMs + t.replicationLagInMs;
        this.options.events?.emit('arm.roster-admitted', {
          region: this.options.region,
          subscriptionId: scope,
          members: 1 + this.othersOn(scope),
          waitMs: state.admittedAtMs - state.listedAtMs,
        });
        this.at(state.admittedAtMs, () => this.notify());
      }
      this.notify();
    } catch (err) {
      // Decided at the next try: the next round's write is a join again only if this member lapsed.
      this.options.events?.emit('arm.roster-failed', {
        region: this.options.region,
        memberId: this.memberId,
        reason: err instanceof Error ? err.message : String(err),
      });
      this.at(this.nowMs() + this.timings.replicationLagInMs, () => void this.decideAdmissions());
    }
  }

  /** No successful heartbeat for H_max: the shares are forfeit and every scope is joined again. */
  private lapseIfStale(): void {
    if (this.nowMs() < this.freshUntilMs) return;
    for (const state of this.scopes.values()) {
      delete state.listedAtMs;
      delete state.admittedAtMs;
    }
    this.notify();
  }
}
