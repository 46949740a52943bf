/**
 * A token bucket as a value: `capacity` tokens at most, refilled at `refillPerSecond`, one token a
 * call. Pure functions of the state and a time in milliseconds, so the pacing that uses it is tested
 * on a clock the test moves. Besides the refill model it holds what the service said: a remaining
 * count it reported (`reported`) and a pause it ordered (`paused`, from a 429's `Retry-After`).
 */

export interface TokenBucketLimits {
  /** The most tokens the bucket holds: the burst. */
  capacity: number;
  /** Tokens added a second, up to `capacity`. */
  refillPerSecond: number;
}

export interface TokenBucket extends TokenBucketLimits {
  /** Tokens left at `atMs` (fractional between refills, never above `capacity`, never below 0). */
  tokens: number;
  atMs: number;
  /** No call before this time, whatever the tokens say (a 429's `Retry-After`). */
  pausedUntilMs: number;
}

/** Refills add fractions of a token: a sum that is 1 on paper may be 0.999… in floating point. */
const epsilon = 1e-9;

/** A full bucket: what a principal has before it has spent anything. */
export function fullBucket(limits: TokenBucketLimits, nowMs: number): TokenBucket {
  if (!(limits.capacity >= 1) || !(limits.refillPerSecond > 0))
    throw new RangeError('A token bucket needs capacity >= 1 and refillPerSecond > 0');
  return { ...limits, tokens: limits.capacity, atMs: nowMs, pausedUntilMs: nowMs };
}

/** The bucket at `nowMs`, refilled for the time since it was last looked at. A clock going back refills nothing. */
export function refilled(bucket: TokenBucket, nowMs: number): TokenBucket {
  if (nowMs <= bucket.atMs) return bucket;
  const tokens = Math.min(
    bucket.capacity,
    bucket.tokens + ((nowMs - bucket.atMs) / 1000) * bucket.refillPerSecond,
  );
  return { ...bucket, tokens, atMs: nowMs };
}

/**
 * Takes one token if a call may go now: the bucket after it, or undefined when the caller must
 * wait (`waitInMs` says how long).
 */
export function take(bucket: TokenBucket, nowMs: number): TokenBucket | undefined {
  const current = refilled(bucket, nowMs);
  if (nowMs < current.pausedUntilMs || current.tokens < 1 - epsilon) return undefined;
  return { ...current, tokens: Math.max(0, current.tokens - 1) };
}

/** How long until `take` can succeed, if nothing else changes: 0 when it can now. */
export function waitInMs(bucket: TokenBucket, nowMs: number): number {
  const current = refilled(bucket, nowMs);
  const untilToken =
    current.tokens >= 1 - epsilon ? 0 : ((1 - current.tokens) / current.refillPerSecond) * 1000;
  return Math.max(0, current.pausedUntilMs - nowMs, Math.ceil(untilToken));
}

/**
 * What the service reported remains, `remaining`. A report only ever lowers the estimate (another
 * process of the same principal spent the bucket): answers come back in another order than the
 * service handled them, so a late one reports a count already spent by calls answered before it,
 * and raising the estimate to it would send a call into an empty bucket. A report above the
 * modelled capacity raises the capacity: the service grants more than the documented figure. A
 * count that is not a number changes nothing.
 */
export function reported(bucket: TokenBucket, remaining: number): TokenBucket {
  if (!Number.isFinite(remaining) || remaining < 0) return bucket;
  return {
    ...bucket,
    capacity: Math.max(bucket.capacity, remaining),
    tokens: Math.min(bucket.tokens, remaining),
  };
}

/**
 * The service refused a call (429) and said to wait `retryAfterInMs`: nothing goes before then,
 * and the bucket is taken as empty, so calls resume at the refill rate rather than as a burst.
 */
export function paused(bucket: TokenBucket, retryAfterInMs: number, nowMs: number): TokenBucket {
  const current = refilled(bucket, nowMs);
  const until = nowMs + Math.max(0, retryAfterInMs);
  return { ...current, tokens: 0, pausedUntilMs: Math.max(current.pausedUntilMs, until) };
}
