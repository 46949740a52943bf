import { describe, expect, it } from 'vitest';
import { DOCUMENTED_LIMITS, RULES, type Rule } from './rules';
import { TokenBucket } from './tokenBucket';

describe("the ARM double's rules table", () => {
  it('tags every rule documented (https page and a quote) or assumed (with why)', () => {
    for (const [id, rule] of Object.entries(RULES) as [string, Rule][]) {
      if (rule.kind === 'documented') {
        expect(rule.url, id).toMatch(/^https:\/\//);
        expect(rule.quote.length, id).toBeGreaterThan(20);
      } else {
        expect(rule.why.length, id).toBeGreaterThan(20);
      }
      expect(rule.status === undefined, `${id}: a refusal names both status and code`).toBe(
        rule.code === undefined,
      );
    }
  });

  it('holds the documented limits', () => {
    expect(DOCUMENTED_LIMITS).toMatchObject({
      readsBucket: 250,
      readsRefillPerSecond: 25,
      writesBucket: 200,
      writesRefillPerSecond: 10,
      deletesBucket: 200,
      deletesRefillPerSecond: 10,
      globalMultiplier: 15,
      snapshotsPerWindow: 7,
      snapshotWindowMs: 300_000,
      snapshotsPerDisk: 500,
      copiesInFlightPerSubscriptionRegion: 100,
      putVmBucket: 1_500,
      putVmRefillPerMinute: 500,
      vmsPerSubscriptionRegion: 25_000,
    });
  });
});

describe('TokenBucket', () => {
  it('starts full, empties, and refills at its rate on the given clock', () => {
    const bucket = new TokenBucket(3, 2, 0);
    for (let i = 0; i < 3; i += 1) bucket.take(0);
    expect(bucket.canTake(0)).toBe(false);
    expect(bucket.msUntilToken(0)).toBe(500);
    expect(bucket.canTake(499)).toBe(false);
    expect(bucket.canTake(500)).toBe(true);
    expect(bucket.remaining(60_000)).toBe(3);
  });
});
