/**
 * A token bucket per caller (a principal for mutations, a client address before authentication):
 * a burst is served at once, then requests at the steady rate. The buckets live in the process, so
 * each Function App instance limits on its own; a caller spread over n instances gets at most n
 * times the rate, still bounded.
 */
export interface RateLimit {
  /** Requests a caller may send at once after a quiet spell. */
  burst: number;
  /** The steady rate once the burst is spent. */
  perMinute: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Buckets kept before idle ones (refilled to the brim, so forgetting them changes nothing) are dropped. */
const sweepAbove = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  /** Sweeps when the map grows past this; doubled past what a sweep leaves, so it runs rarely. */
  private sweepAt = sweepAbove;

  constructor(
    private readonly limit: RateLimit,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.perMs = limit.perMinute / 60_000;
  }

  /** Spends one request of the caller's allowance, or says how long until one is available. */
  take(caller: string): RateDecision {
    const now = this.nowMs();
    const bucket = this.refilled(this.buckets.get(caller), now);
    if (bucket.tokens < 1) {
      this.buckets.set(caller, bucket);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)),
      };
    }
    this.buckets.set(caller, { tokens: bucket.tokens - 1, atMs: now });
    if (this.buckets.size > this.sweepAt) this.sweep(now);
    return { allowed: true };
  }

  /** Gives back the request `take` spent, for a request that turned out not to count. */
  refund(caller: string): void {
    const bucket = this.buckets.get(caller);
    if (bucket) bucket.tokens = Math.min(this.limit.burst, bucket.tokens + 1);
  }

  private refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.limit.burst, atMs: now };
    return {
      tokens: Math.min(this.limit.burst, bucket.tokens + (now - bucket.atMs) * this.perMs),
      atMs: now,
    };
  }

  private sweep(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (this.refilled(bucket, now).tokens >= this.limit.burst) this.buckets.delete(caller);
    }
    // Many callers all busy at once (rotating addresses) leave a full map: sweeping it again on
    // every request would cost O(callers) each, so the next sweep waits until it has doubled.
    this.sweepAt = Math.max(sweepAbove, this.buckets.size * 2);
  }
}
