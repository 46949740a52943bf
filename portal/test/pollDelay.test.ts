import { describe, expect, it } from 'vitest';
import { defaultPollBounds, nextPollDelay } from '../src/logic/pollDelay';
import { retryAfterMs } from '../src/api/ApiError';

describe('polling at Retry-After', () => {
  it('waits what the API said, within bounds', () => {
    expect(nextPollDelay(5_000, 0)).toBe(5_000);
    expect(nextPollDelay(0, 0)).toBe(defaultPollBounds.minMs);
    expect(nextPollDelay(3_600_000, 0)).toBe(defaultPollBounds.maxMs);
  });

  it('without a Retry-After, uses the default and backs off after failures', () => {
    expect(nextPollDelay(undefined, 0)).toBe(defaultPollBounds.defaultMs);
    expect(nextPollDelay(undefined, 1)).toBe(defaultPollBounds.defaultMs * 2);
    expect(nextPollDelay(undefined, 2)).toBe(defaultPollBounds.defaultMs * 4);
    expect(nextPollDelay(undefined, 50)).toBe(defaultPollBounds.maxMs);
    // The API's word wins over back-off: a 503 says when to retry.
    expect(nextPollDelay(2_000, 3)).toBe(2_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(retryAfterMs('5', now)).toBe(5_000);
    expect(retryAfterMs(' 12 ', now)).toBe(12_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
