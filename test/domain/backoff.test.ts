import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffPolicy } from '../../src/domain/backoff';
import { seededRandom } from '../support/seededRandom';

const policy: BackoffPolicy = { baseInMs: 1_000, maxInMs: 60_000 };

describe('backoffDelay', () => {
  it('stays within [c/2, c] for c = min(base · 2^(retry−1), max), at both ends of the random range', () => {
    for (let retry = 1; retry <= 12; retry += 1) {
      const ceiling = Math.min(1_000 * 2 ** (retry - 1), 60_000);
      expect(backoffDelay(retry, policy, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(retry, policy, () => 0.999_999_999)).toBe(ceiling);
      const random = seededRandom(retry);
      for (let i = 0; i < 200; i += 1) {
        const delay = backoffDelay(retry, policy, random);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('grows with every retry until the cap, whatever the random draws', () => {
    // Equal jitter: the longest delay of one retry is the shortest of the next (below the cap:
    // base · 2^5 = 32 s is the last doubling under 60 s).
    for (let retry = 1; retry <= 5; retry += 1) {
      expect(backoffDelay(retry + 1, policy, () => 0)).toBeGreaterThanOrEqual(
        backoffDelay(retry, policy, () => 0.999_999_999),
      );
    }
    const random = seededRandom(7);
    const delays = Array.from({ length: 6 }, (_, i) => backoffDelay(i + 1, policy, random));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays[5]! / delays[0]!).toBeGreaterThanOrEqual(16);
  });

  it('never exceeds the cap, even at a retry count whose doubling would overflow', () => {
    for (const retry of [20, 1_000, 1_000_000]) {
      const delay = backoffDelay(retry, policy, seededRandom(retry));
      expect(delay).toBeGreaterThanOrEqual(30_000);
      expect(delay).toBeLessThanOrEqual(60_000);
    }
  });

  it('spreads a fleet that fails together: the same retry of many devices does not come back in lockstep', () => {
    const random = seededRandom(42);
    const delays = Array.from({ length: 1_000 }, () => backoffDelay(3, policy, random));
    // Without jitter all 1,000 would be 4,000 ms. Here they cover the window [2,000, 4,000].
    expect(new Set(delays).size).toBeGreaterThan(500);
    const early = delays.filter((d) => d < 3_000).length;
    expect(early).toBeGreaterThan(400);
    expect(early).toBeLessThan(600);
  });

  it('refuses a retry that is not a whole number ≥ 1', () => {
    for (const retry of [0, -1, 1.5, Number.NaN])
      expect(() => backoffDelay(retry, policy)).toThrow(RangeError);
  });
});
