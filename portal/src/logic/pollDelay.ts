/**
 * How long to wait before polling a status URL again: the `Retry-After` the API gave, within
 * bounds that keep a misconfigured or missing header from hammering the API or freezing the view;
 * after a failure, backing off (doubling) up to the maximum, unless the API said when to retry.
 */
export interface PollBounds {
  minMs: number;
  maxMs: number;
  /** When the API gives no Retry-After. */
  defaultMs: number;
}

export const defaultPollBounds: PollBounds = { minMs: 1_000, maxMs: 60_000, defaultMs: 5_000 };

export function nextPollDelay(
  retryAfterMs: number | undefined,
  consecutiveFailures: number,
  bounds: PollBounds = defaultPollBounds,
): number {
  const base = retryAfterMs ?? bounds.defaultMs * 2 ** Math.min(consecutiveFailures, 10);
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, base));
}
