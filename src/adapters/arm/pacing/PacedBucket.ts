/**
 * One ARM bucket as this process sees it: the token-bucket estimate, the calls waiting for it in
 * arrival order, the calls in flight, and counters. A call waits its turn, then for a token; the
 * responses correct the estimate (the remaining-count header) and pause it (a 429's `Retry-After`)
 * for every caller in the process.
 *
 * The estimate must never exceed what ARM holds, or a call meets an empty bucket. Two ways it could,
 * both closed here:
 * - ARM takes a call's token when the call *arrives*, not when it leaves; while ARM's bucket is full
 *   the refill meanwhile is lost there but not in an estimate that took the token at sending. So the
 *   estimate takes a call's token when it is *answered* (the latest ARM can have taken it), and
 *   until then counts it against what may go: a call goes when `tokens − inFlight ≥ 1`.
 * - A remaining count describes ARM's bucket when ARM handled that call; answers come back in
 *   another order than ARM handled them, so a late one reports a count already spent by calls
 *   answered before it. A report only ever lowers the estimate (another process of the identity
 *   spent the bucket); the refill alone raises it.
 */
import { UnavailableError } from '../../../domain/errors';
import {
  fullBucket,
  paused,
  refilled,
  reported,
  type TokenBucket,
  type TokenBucketLimits,
} from '../../../domain/tokenBucket';
import type { ArmBucketKey } from './armCall';
import type { AbortSignalLike, PacerTimer } from './pacerTimer';

export interface BucketCounters {
  /** Attempts sent (each retry of the SDK is one). */
  calls: number;
  /** Attempts that could not go at once and waited for a token or a pause. */
  waits: number;
  waitedMs: number;
  /** 429 answers. */
  throttled: number;
  /** Attempts refused because the wait would have exceeded the pacer's bound. */
  refused: number;
  /**
   * Attempts sent that ended without an answer (a connection reset, a timeout, an abort): ARM may
   * or may not have counted them, so ARM's count of a process's calls lies between `calls` minus
   * these and `calls`.
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

/** Refills add fractions of a token: a sum that is 1 on paper may be 0.999… in floating point. */
const epsilon = 1e-9;

export class PacedBucket {
  /** ARM's bucket with every answered call's token taken; calls in flight are not in it yet. */
  private bucket: TokenBucket;
  private turn: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** Resolved by the next answer: a line held by its calls in flight waits for it. */
  private answered: { promise: Promise<void>; resolve: () => void } | undefined;
  /**
   * Holds so far (sleeps, and waits for an answer). Only the head of the line holds, so an attempt
   * that sees this move between asking and going was held back by pacing (by its own hold or one
   * ahead of it): a wait. Elapsed time alone is no test: on a fine or scaled clock the promise
   * turn itself takes some.
   */
  private sleeps = 0;
  readonly counters = zeroCounters();

  constructor(
    readonly key: ArmBucketKey,
    limits: TokenBucketLimits,
    private readonly timer: PacerTimer,
    /** The longest an attempt waits for its token: past it the attempt fails instead of holding its caller. */
    private readonly maxWaitInMs: number,
  ) {
    this.bucket = fullBucket(limits, timer.nowMs());
  }

  /** Tokens the estimate holds now for new calls (for reports). */
  tokens(): number {
    return Math.max(0, Math.floor(refilled(this.bucket, this.timer.nowMs()).tokens - this.inFlight));
  }

  /** Resolves when this attempt may be sent, in the order attempts asked; the caller must then `settle` it. */
  acquire(signal?: AbortSignalLike): Promise<void> {
    const asked = { atMs: this.timer.nowMs(), sleeps: this.sleeps };
    const mine = this.turn.then(() => this.waitForToken(asked, signal));
    // The next in line waits for this one's token, not for its success.
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /**
   * The attempt ended: `remaining` is the bucket's count the response reported (undefined when it
   * carried none or failed before answering), `retryAfterInMs` set when ARM answered 429,
   * `answered` false when no response came at all (ARM may have counted it: its token is taken).
   */
  settle(remaining: number | undefined, throttledFor: number | undefined, answered = true): void {
    const now = this.timer.nowMs();
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (!answered) this.counters.unanswered += 1;
    // Its token, taken now; below 0 is a debt the refill pays first (a pause emptied the estimate
    // while the call was in flight, and ARM may still have counted it).
    const current = refilled(this.bucket, now);
    const spent = { ...current, tokens: current.tokens - 1 };
    // The report counts this call and those ARM handled before it, some maybe still in flight
    // here (counted again below, which only errs low); it never raises the estimate (see above).
    this.bucket = remaining === undefined ? spent : reported(spent, remaining);
    if (throttledFor !== undefined) {
      this.counters.throttled += 1;
      this.bucket = paused(this.bucket, throttledFor, now);
    }
    const answeredNow = this.answered;
    this.answered = undefined;
    answeredNow?.resolve();
  }

  private async waitForToken(
    asked: { atMs: number; sleeps: number },
    signal: AbortSignalLike | undefined,
  ): Promise<void> {
    const askedAt = asked.atMs;
    for (;;) {
      if (signal?.aborted) throw abortError();
      const now = this.timer.nowMs();
      const current = refilled(this.bucket, now);
      const need = this.inFlight + 1;
      if (now >= current.pausedUntilMs && current.tokens >= need - epsilon) {
        this.bucket = current;
        this.inFlight += 1;
        this.counters.calls += 1;
        if (this.sleeps > asked.sleeps) {
          this.counters.waits += 1;
          this.counters.waitedMs += now - askedAt;
        }
        return;
      }
      if (need > current.capacity) {
        // More calls in flight than the bucket holds: only an answer can let another go (ARM may
        // count them all before this one arrives). In-flight calls end by their own timeouts.
        this.sleeps += 1;
        await this.nextAnswer(signal);
        continue;
      }
      const untilToken = ((need - current.tokens) / current.refillPerSecond) * 1000;
      const wait = Math.max(0, current.pausedUntilMs - now, Math.ceil(untilToken));
      if (now - askedAt + wait > this.maxWaitInMs) {
        this.counters.refused += 1;
        throw new UnavailableError(
          `ARM's ${this.key.kind} budget of subscription ${this.key.subscriptionId} is spent for the next ${Math.ceil(wait / 1000)} s`,
          {
            dependency: `arm:${this.key.subscriptionId}`,
            retryAfterSeconds: Math.ceil(wait / 1000),
            worthRetryingNow: false,
          },
        );
      }
      // Woken, it looks again: a 429 meanwhile may have paused the bucket for longer.
      this.sleeps += 1;
      await this.timer.sleep(Math.max(1, wait), signal);
    }
  }

  private nextAnswer(signal: AbortSignalLike | undefined): Promise<void> {
    if (!this.answered) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.answered = { promise, resolve };
    }
    const answered = this.answered.promise;
    if (!signal) return answered;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      void answered.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

function abortError(): Error {
  const error = new Error('The ARM call was aborted while it waited for its budget');
  error.name = 'AbortError';
  return error;
}
