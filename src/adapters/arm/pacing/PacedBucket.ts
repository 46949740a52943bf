/**
 * One ARM bucket as this process sees it: the token-bucket estimate, the calls waiting for it in
 * arrival order, the calls in flight, and counters. A call waits its turn, then for a token; the
 * responses correct the estimate (the remaining-count header) and pause it (a 429's `Retry-After`)
 * for every caller in the process.
 */
import { UnavailableError } from '../../../domain/errors';
import {
  fullBucket,
  paused,
  synced,
  take,
  waitInMs,
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

export class PacedBucket {
  private bucket: TokenBucket;
  private turn: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /**
   * Sleeps so far. Only the head of the line sleeps, so an attempt that sees this move between
   * asking and going was held back by pacing (by its own sleep or one ahead of it): a wait. Elapsed
   * time alone is no test: on a fine or scaled clock the promise turn itself takes some.
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

  /** Tokens the estimate holds now (for reports). */
  tokens(): number {
    return Math.floor(this.bucket.tokens);
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
   * `answered` false when no response came at all.
   */
  settle(remaining: number | undefined, throttledFor: number | undefined, answered = true): void {
    const now = this.timer.nowMs();
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (!answered) this.counters.unanswered += 1;
    // Our other attempts still in flight may not be counted in that report yet: assume they are not.
    if (remaining !== undefined) this.bucket = synced(this.bucket, remaining, this.inFlight, now);
    if (throttledFor !== undefined) {
      this.counters.throttled += 1;
      this.bucket = paused(this.bucket, throttledFor, now);
    }
  }

  private async waitForToken(
    asked: { atMs: number; sleeps: number },
    signal: AbortSignalLike | undefined,
  ): Promise<void> {
    const askedAt = asked.atMs;
    for (;;) {
      if (signal?.aborted) throw abortError();
      const now = this.timer.nowMs();
      const next = take(this.bucket, now);
      if (next) {
        this.bucket = next;
        this.inFlight += 1;
        this.counters.calls += 1;
        if (this.sleeps > asked.sleeps) {
          this.counters.waits += 1;
          this.counters.waitedMs += now - askedAt;
        }
        return;
      }
      const wait = waitInMs(this.bucket, now);
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
}

function abortError(): Error {
  const error = new Error('The ARM call was aborted while it waited for its budget');
  error.name = 'AbortError';
  return error;
}
