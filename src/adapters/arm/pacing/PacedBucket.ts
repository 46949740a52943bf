/**
 * One bucket (an ARM bucket, or one of Compute's policies) as this process sees it: its share of
 * the bucket, the calls waiting for it by priority (./WaitLine), the calls in flight, counters.
 * The share is 1/members of the bucket's size and refill (./pacerRoster), spent only while
 * admitted. A call goes when the share holds a token for it; answers correct the estimate (the
 * remaining count) and pause it (a 429's `Retry-After`) for every caller in the process.
 *
 * The estimate must never exceed what the bucket holds for this process, or a call meets an empty
 * bucket. Ways it could, each closed here:
 * - The bucket takes a call's token when the call *arrives*, not when it leaves; while the bucket
 *   is full the refill meanwhile is lost there but not in an estimate that took the token at
 *   sending. So the estimate takes a call's token when it is *answered* (the latest the bucket can
 *   have taken it), and until then counts it against what may go: a call goes when
 *   `tokens − inFlight ≥ 1`. Summed over members (each share's size is 1/members of the bucket's,
 *   each refill 1/members of its refill), the estimates never exceed the bucket either.
 * - A remaining count describes the bucket when it handled that call; answers come back in another
 *   order than they were handled, so a late one reports a count already spent by calls answered
 *   before it. A report only ever lowers the estimate; the refill alone raises it, with one
 *   exception: the first answer after admission (a probe, nothing else answered yet) sets the
 *   share to what the report leaves once every other member's share is taken off as if full.
 * - A member admitted afresh (first call, or back after leaving) starts with an empty share: it
 *   does not know what others spent, and the first token it waits for is its probe.
 */
import { UnavailableError } from '../../../domain/errors';
import type { TokenBucketLimits } from '../../../domain/tokenBucket';
import type { RosterView } from './pacerRoster';
import type { AbortSignalLike, PacerTimer } from './pacerTimer';
import { WaitLine } from './WaitLine';

export interface BucketCounters {
  /** Attempts sent (each retry of the SDK is one). */
  calls: number;
  /** Attempts that could not go at once and waited for a token, a pause or admission. */
  waits: number;
  waitedMs: number;
  /** 429 answers. */
  throttled: number;
  /** Attempts refused because the wait would have exceeded the pacer's bound. */
  refused: number;
  /**
   * Attempts sent that ended without an answer (a connection reset, a timeout, an abort): the
   * bucket may or may not have counted them, so its count of a process's calls lies between
   * `calls` minus these and `calls`.
   */
  unanswered: number;
}

export const zeroCounters = (): BucketCounters => ({
  calls: 0,
  waits: 0,
  waitedMs: 0,
  throttled: 0,
  refused: 0,
  unanswered: 0,
});

/** What a bucket is, for its refusals. */
export interface BucketName {
  /** The subscription id (lower case), or `tenant`. */
  scope: string;
  /** `write`, or `Microsoft.Compute/PutVM3Min in westeurope`. */
  limit: string;
}

/** How an attempt that this bucket let go ended. */
export interface Settlement {
  /** False when no answer came (the bucket may have counted the call: its token is taken). */
  answered: boolean;
  /** The count the answer reported remains in the bucket, when it reported one. */
  remaining?: number;
  /** Set when the bucket refused the call (429) and said to wait this long. */
  throttledForMs?: number;
  /** A limiter behind this one refused the call (429): counted, nothing paused here. */
  throttledBehind?: boolean;
}

interface Waiter {
  priority: number;
  askedAtMs: number;
  /** The bucket's sleeps when the waiter asked: served after more of them, it waited. */
  sleeps: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignalLike;
  onAbort?: () => void;
}

type Hold =
  | { until: 'time'; ms: number }
  | { until: 'answer' }
  | { until: 'admission' }
  | { until: 'never'; why: string };

/** Refills add fractions of a token: a sum that is 1 on paper may be 0.999… in floating point. */
const epsilon = 1e-9;

export class PacedBucket {
  /** The whole bucket: its size may grow when the service reports more than was assumed. */
  private readonly limits: TokenBucketLimits;
  /** This member's share, every answered call's token taken; calls in flight are not in it yet. Below 0 is a debt. */
  private held = 0;
  private atMs: number;
  private pausedUntilMs: number;
  private view: RosterView = { admitted: false, members: 1, epoch: 0 };
  /** Admitted afresh and nothing answered since: the first answer's report sets the share. */
  private learning = false;
  private inFlight = 0;
  private readonly line = new WaitLine<Waiter>();
  private pumping = false;
  private wakeUp: (() => void) | undefined;
  /** Holds so far: an attempt served after this moved since it asked was held back by pacing. */
  private sleeps = 0;
  readonly counters = zeroCounters();

  constructor(
    readonly name: BucketName,
    limits: TokenBucketLimits,
    private readonly timer: PacerTimer,
    /** The longest an attempt waits for its token: past it the attempt fails instead of holding its caller. */
    private readonly maxWaitInMs: number,
    /** This member's current view of the bucket's scope (./pacerRoster). */
    private readonly rosterView: () => RosterView,
  ) {
    if (!(limits.capacity >= 1) || !(limits.refillPerSecond > 0))
      throw new RangeError('A bucket needs capacity >= 1 and refillPerSecond > 0');
    this.limits = { ...limits };
    this.atMs = timer.nowMs();
    this.pausedUntilMs = this.atMs;
    this.sync(this.atMs);
  }

  /** Tokens the share holds now for new calls (for reports). */
  tokens(): number {
    this.sync(this.timer.nowMs());
    return Math.max(0, Math.floor(this.held - this.inFlight + epsilon));
  }

  /**
   * Resolves when this attempt may be sent (highest `priority` first, in asking order within a
   * priority); the caller must then `settle` or `release` it. Rejects with `UnavailableError` when
   * the wait would exceed the bound, with an `AbortError` when `signal` aborts. The bound counts
   * from `askedAtMs` (a call that waited for another bucket first has less left).
   */
  acquire(priority: number, signal?: AbortSignalLike, askedAtMs = this.timer.nowMs()): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        askedAtMs,
        sleeps: this.sleeps,
        resolve,
        reject,
      };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          if (!this.line.remove(waiter)) return;
          reject(abortError());
          this.wake();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.line.push(waiter);
      if (this.pumping) {
        // The line is held: refuse now, not at the next wake, a wait that cannot fit its bound.
        const now = this.timer.nowMs();
        this.sync(now);
        this.refuseIfHopeless(waiter, this.line.ahead(waiter), now, this.hold(now));
      } else void this.pump();
    });
  }

  /**
   * The attempt ended after reaching the limiter: its token is taken now (below 0 is a debt the
   * refill pays first: a pause emptied the estimate while the call was in flight, and the bucket
   * may still have counted it).
   */
  settle(settlement: Settlement): void {
    const now = this.timer.nowMs();
    this.sync(now);
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (!settlement.answered) this.counters.unanswered += 1;
    this.held -= 1;
    const remaining = settlement.remaining;
    if (remaining !== undefined && Number.isFinite(remaining) && remaining >= 0) {
      // More than the whole bucket was assumed to hold: the service grants more than documented.
      if (remaining > this.limits.capacity) this.limits.capacity = remaining;
      if (this.learning) {
        const share = this.share();
        this.held = Math.max(
          this.held,
          Math.min(share.capacity, remaining - (this.view.members - 1) * share.capacity),
        );
      }
      this.held = Math.min(this.held, remaining);
    }
    this.learning = false;
    if (settlement.throttledBehind) this.counters.throttled += 1;
    if (settlement.throttledForMs !== undefined) {
      this.counters.throttled += 1;
      this.pausedUntilMs = Math.max(this.pausedUntilMs, now + Math.max(0, settlement.throttledForMs));
      // Resume at the refill rate, not as a burst.
      this.held = Math.min(this.held, 0);
    }
    this.wake();
  }

  /** The attempt never reached this bucket's limiter (refused before it): no token is taken. */
  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.wake();
  }

  /** The roster changed: take the new share now, so no refill is counted at the old one. */
  resync(): void {
    this.sync(this.timer.nowMs());
    this.wake();
  }

  private share(): TokenBucketLimits {
    const members = Math.max(1, this.view.members);
    return {
      capacity: this.limits.capacity / members,
      refillPerSecond: this.limits.refillPerSecond / members,
    };
  }

  /** Brings the estimate to `now` at the share in force, then takes the roster's current view. */
  private sync(now: number): void {
    if (now > this.atMs) {
      if (this.view.admitted) {
        const share = this.share();
        if (this.held < share.capacity)
          this.held = Math.min(
            share.capacity,
            this.held + ((now - this.atMs) / 1000) * share.refillPerSecond,
          );
      }
      this.atMs = now;
    }
    const next = this.rosterView();
    const afresh = next.admitted && (!this.view.admitted || next.epoch !== this.view.epoch);
    if (afresh || !next.admitted) {
      // Not admitted: the share is forfeit. Admitted afresh: it starts empty, keeping any debt.
      this.held = Math.min(this.held, 0);
      this.learning = afresh;
    }
    this.view = next;
    this.held = Math.min(this.held, this.share().capacity);
  }

  private canSend(now: number): boolean {
    return (
      this.view.admitted &&
      now >= this.pausedUntilMs &&
      !(this.learning && this.inFlight > 0) &&
      this.held - this.inFlight >= 1 - epsilon
    );
  }

  /** Why the head of the line cannot go now, and for how long when that is known. */
  private hold(now: number): Hold {
    if (!this.view.admitted) return { until: 'admission' };
    // The probe's answer sets the share: nothing else goes before it.
    if (this.learning && this.inFlight > 0) return { until: 'answer' };
    const share = this.share();
    if (share.capacity < 1)
      return {
        until: 'never',
        why: `${this.view.members} pacers share it: a share holds less than one call`,
      };
    // More calls in flight than the share holds: only an answer can let another go.
    if (this.inFlight + 1 > share.capacity + epsilon) return { until: 'answer' };
    const untilToken = ((this.inFlight + 1 - this.held) / share.refillPerSecond) * 1000;
    return { until: 'time', ms: Math.max(0, this.pausedUntilMs - now, Math.ceil(untilToken)) };
  }

  /**
   * The least time until the waiter `ahead` places back could go, if the share stays as it is:
   * undefined while that is not known (not admitted, learning).
   */
  private leastWait(ahead: number, now: number, hold: Hold): number | undefined {
    if (hold.until === 'admission' || hold.until === 'never' || this.learning) return undefined;
    const share = this.share();
    const untilToken = ((this.inFlight + ahead + 1 - this.held) / share.refillPerSecond) * 1000;
    return Math.max(0, this.pausedUntilMs - now, Math.ceil(untilToken));
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        const now = this.timer.nowMs();
        this.sync(now);
        const head = this.line.peek();
        if (!head) return;
        if (this.canSend(now)) {
          this.line.shift();
          this.serve(head, now);
          continue;
        }
        const hold = this.hold(now);
        this.refuseHopeless(now, hold);
        if (this.line.size === 0) return;
        this.sleeps += 1;
        await this.holdOn(hold, now);
      }
    } finally {
      this.pumping = false;
    }
  }

  private serve(waiter: Waiter, now: number): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.inFlight += 1;
    this.counters.calls += 1;
    if (this.sleeps > waiter.sleeps) {
      this.counters.waits += 1;
      this.counters.waitedMs += now - waiter.askedAtMs;
    }
    waiter.resolve();
  }

  /** Refuses every waiter whose bound has passed, or that cannot go before it passes. */
  private refuseHopeless(now: number, hold: Hold): void {
    let ahead = 0;
    for (const waiter of [...this.line.inOrder()])
      if (!this.refuseIfHopeless(waiter, ahead, now, hold)) ahead += 1;
  }

  private refuseIfHopeless(waiter: Waiter, ahead: number, now: number, hold: Hold): boolean {
    const waited = now - waiter.askedAtMs;
    if (hold.until === 'never') return this.refuse(waiter, hold.why, Math.ceil(this.maxWaitInMs / 1000));
    const least = this.leastWait(ahead, now, hold);
    if (least !== undefined && waited + least > this.maxWaitInMs)
      return this.refuse(waiter, `spent for the next ${Math.ceil(least / 1000)} s`, Math.ceil(least / 1000));
    if (waited >= this.maxWaitInMs) {
      const why =
        hold.until === 'admission'
          ? 'not this process’s to spend yet: it is joining the pacers that share it'
          : `still spent after ${Math.ceil(waited / 1000)} s`;
      return this.refuse(waiter, why, Math.ceil((least ?? this.maxWaitInMs) / 1000));
    }
    return false;
  }

  private refuse(waiter: Waiter, why: string, retryAfterSeconds: number): true {
    this.line.remove(waiter);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.counters.refused += 1;
    waiter.reject(
      new UnavailableError(`ARM's ${this.name.limit} budget of subscription ${this.name.scope} is ${why}`, {
        dependency: `arm:${this.name.scope}`,
        retryAfterSeconds: Math.max(1, retryAfterSeconds),
        worthRetryingNow: false,
      }),
    );
    return true;
  }

  /**
   * Waits for what `hold` waits for: a token or the end of a pause (a sleep), an answer or a roster
   * change (a wake), or, not admitted, the first waiter's bound. Anything that may let a call go
   * sooner (an answer, a roster change, an abort) wakes it early.
   */
  private async holdOn(hold: Hold, now: number): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
    let sleepMs: number | undefined;
    if (hold.until === 'time') sleepMs = hold.ms;
    else if (hold.until === 'admission') {
      let earliest = Number.POSITIVE_INFINITY;
      for (const waiter of this.line.inOrder()) earliest = Math.min(earliest, waiter.askedAtMs);
      sleepMs = earliest + this.maxWaitInMs - now;
    }
    const controller = sleepMs === undefined ? undefined : new AbortController();
    const sleeping =
      sleepMs === undefined
        ? undefined
        : this.timer.sleep(Math.max(1, sleepMs), controller?.signal).catch(() => undefined);
    await (sleeping ? Promise.race([sleeping, woken]) : woken);
    this.wakeUp = undefined;
    controller?.abort();
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}

function abortError(): Error {
  const error = new Error('The ARM call was aborted while it waited for its budget');
  error.name = 'AbortError';
  return error;
}
