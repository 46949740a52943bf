/**
 * The control plane's one retry back-off: capped exponential growth with "equal jitter", from
 * "Exponential Backoff And Jitter" (AWS Architecture Blog,
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/); Azure's retry pattern
 * (https://learn.microsoft.com/azure/architecture/patterns/retry) asks the same of retries from
 * many instances: spread them out. Without jitter a fleet that fails together (a region's storage
 * down, a capacity shortage) retries together, in lockstep, at every attempt.
 *
 * Equal rather than full jitter: half of each delay is kept, so a retry never comes at once (a
 * capacity wait of a few milliseconds would hammer a region that has none), and the range of one
 * retry's delay ends where the next one's starts, so the wait grows with every attempt.
 */

export interface BackoffPolicy {
  /** The longest delay before the first retry; each later retry's longest delay doubles. */
  baseInMs: number;
  /** No delay is longer than this. */
  maxInMs: number;
}

/** Uniform numbers in [0, 1), as `Math.random` gives them; tests pass a seeded source. */
export type RandomSource = () => number;

/**
 * The delay before retry `retry` (1 for the first): uniform in [c/2, c], where
 * c = min(base · 2^(retry−1), max). Rounded to whole milliseconds.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: RandomSource = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1)
    throw new RangeError(`retry must be a whole number ≥ 1, not ${retry}`);
  // The exponent is capped so a long-running count cannot overflow to Infinity before the cap applies.
  const ceiling = Math.min(policy.baseInMs * 2 ** Math.min(retry - 1, 30), policy.maxInMs);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
