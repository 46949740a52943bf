import { describe, expect, it } from 'vitest';
import {
  bucketMs,
  bucketStartMs,
  compactAfterMs,
  compactableKeys,
  countStatuses,
  histogramKey,
  mergeBuckets,
  oldAfterMs,
  oldestBucketStart,
} from '../../src/domain/complianceHistogram';
import { complianceStatus, rpoHoursValues, rpoMs } from '../../src/domain/rpo';

const hour = 3_600_000;
// A whole minute, so bucket starts fall on round offsets from now.
const now = new Date('2025-05-01T12:00:00.000Z');
const nowMs = now.getTime();
const keyAt = (ms: number): string => `m${Math.floor(ms / bucketMs)}`;
const zero = { protected: 0, 'at-risk': 0, breached: 0, 'not-yet-protected': 0, unlicensed: 0, disabled: 0 };

describe('histogramKey', () => {
  it('puts unlicensed devices under unlicensed, whatever their points', () => {
    expect(histogramKey({ licensed: false, lastVerifiedAt: now }, now)).toBe('unlicensed');
    expect(histogramKey({ licensed: false }, now)).toBe('unlicensed');
  });

  it('puts devices without a verified point under never', () => {
    expect(histogramKey({ licensed: true }, now)).toBe('never');
  });

  it('puts a point in its minute bucket, up to and including oldAfterMs', () => {
    const at = new Date(nowMs - 90_500);
    expect(histogramKey({ licensed: true, lastVerifiedAt: at }, now)).toBe(keyAt(at.getTime()));
    expect(histogramKey({ licensed: true, lastVerifiedAt: new Date(nowMs - oldAfterMs) }, now)).toBe(
      keyAt(nowMs - oldAfterMs),
    );
    expect(histogramKey({ licensed: true, lastVerifiedAt: new Date(nowMs - oldAfterMs - 1) }, now)).toBe(
      'old',
    );
  });

  it('uses floor(ms / bucketMs) for the minute', () => {
    expect(histogramKey({ licensed: true, lastVerifiedAt: new Date(nowMs + 59_999) }, now)).toBe(
      `m${nowMs / bucketMs}`,
    );
    expect(histogramKey({ licensed: true, lastVerifiedAt: new Date(nowMs - 1) }, now)).toBe(
      `m${nowMs / bucketMs - 1}`,
    );
  });

  it('keeps oldAfterMs beyond twice the largest RPO', () => {
    expect(oldAfterMs).toBeGreaterThan(2 * rpoMs(Math.max(...rpoHoursValues) as 24));
    expect(compactAfterMs).toBeGreaterThan(oldAfterMs);
  });
});

describe('bucketStartMs', () => {
  it('reads canonical minute keys only', () => {
    expect(bucketStartMs('m0')).toBe(0);
    expect(bucketStartMs('m29000000')).toBe(29_000_000 * bucketMs);
    for (const key of ['old', 'never', 'unlicensed', 'm', 'm01', 'm1.5', 'mx', 'm-0', ' m1'])
      expect(bucketStartMs(key)).toBeUndefined();
  });
});

describe('countStatuses', () => {
  const policy = { rpoMs: 4 * hour, enabled: true };

  it('reports every status, zero when none', () => {
    expect(countStatuses({}, policy, now)).toEqual(zero);
  });

  it('classifies the fixed keys', () => {
    expect(countStatuses({ unlicensed: 3, never: 5, old: 7 }, policy, now)).toEqual({
      ...zero,
      unlicensed: 3,
      'not-yet-protected': 5,
      breached: 7,
    });
  });

  it('measures a minute bucket from its start, with the RPO boundaries inclusive', () => {
    const rpo = policy.rpoMs;
    const buckets = {
      [keyAt(nowMs)]: 1, // age 0
      [keyAt(nowMs - rpo)]: 2, // exactly one RPO: protected
      [keyAt(nowMs - rpo - bucketMs)]: 4, // a minute past: at risk
      [keyAt(nowMs - 2 * rpo)]: 8, // exactly two RPOs: at risk
      [keyAt(nowMs - 2 * rpo - bucketMs)]: 16, // a minute past: breached
    };
    expect(countStatuses(buckets, policy, now)).toEqual({
      ...zero,
      protected: 3,
      'at-risk': 12,
      breached: 16,
    });
    // A millisecond later each boundary bucket's start is past its limit.
    expect(countStatuses(buckets, policy, new Date(nowMs + 1))).toEqual({
      ...zero,
      protected: 1,
      'at-risk': 6,
      breached: 24,
    });
  });

  it('agrees with complianceStatus to within the bucket width, erring early', () => {
    const rpo = policy.rpoMs;
    for (let ageMs = 0; ageMs <= 3 * rpo; ageMs += 59_393) {
      const lastVerifiedAt = new Date(nowMs - ageMs);
      const exact = complianceStatus({ licensed: true, enabled: true, lastVerifiedAt, rpoMs: rpo, now });
      const key = histogramKey({ licensed: true, lastVerifiedAt }, now);
      const counts = countStatuses({ [key]: 1 }, policy, now);
      const fromHistogram = Object.entries(counts).find(([, n]) => n === 1)?.[0];
      const early = complianceStatus({
        licensed: true,
        enabled: true,
        lastVerifiedAt: new Date(nowMs - ageMs - bucketMs),
        rpoMs: rpo,
        now,
      });
      expect([exact, early]).toContain(fromHistogram);
    }
  });

  it('counts every licensed device as disabled under a disabled policy', () => {
    const buckets = { unlicensed: 2, never: 3, old: 4, [keyAt(nowMs)]: 5, [keyAt(nowMs - 5 * hour)]: 6 };
    expect(countStatuses(buckets, { ...policy, enabled: false }, now)).toEqual({
      ...zero,
      unlicensed: 2,
      disabled: 18,
    });
  });

  it('sums negative shard counts before classifying', () => {
    const fresh = keyAt(nowMs - 10 * bucketMs);
    const stale = keyAt(nowMs - 6 * hour);
    // Region A saw devices arrive in `stale` and one move on to `fresh`; region B wrote the rest.
    const shardA = { [stale]: 3, [fresh]: -1, never: 2 };
    const shardB = { [stale]: -2, [fresh]: 3, never: -1, old: -1 };
    const shardC = { old: 2 };
    const merged = mergeBuckets([shardA, shardB, shardC]);
    expect(merged).toEqual({ [stale]: 1, [fresh]: 2, never: 1, old: 1 });
    expect(countStatuses(merged, policy, now)).toEqual({
      ...zero,
      protected: 2,
      'at-risk': 1,
      'not-yet-protected': 1,
      breached: 1,
    });
    // A single shard's negative key cancels within its status before anything is reported.
    expect(countStatuses({ [fresh]: -1, [keyAt(nowMs)]: 1 }, policy, now)).toEqual(zero);
  });

  it('reports an inconsistent view as exact signed sums', () => {
    expect(countStatuses({ never: -1 }, policy, now)).toEqual({ ...zero, 'not-yet-protected': -1 });
  });

  it('refuses unknown keys, bad counts and RPOs that old could not cover', () => {
    expect(() => countStatuses({ foo: 1 }, policy, now)).toThrow(RangeError);
    expect(() => countStatuses({ never: 1.5 }, policy, now)).toThrow(RangeError);
    expect(() => countStatuses({}, { rpoMs: 25 * hour, enabled: true }, now)).toThrow(RangeError);
    expect(() => countStatuses({}, { rpoMs: 0, enabled: true }, now)).toThrow(RangeError);
    expect(() => countStatuses({}, policy, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('mergeBuckets', () => {
  it('sums shards key by key, keeping zero sums', () => {
    expect(mergeBuckets([])).toEqual({});
    expect(mergeBuckets([{ m1: 1, never: 2 }, { m1: -1, m2: 4 }, {}])).toEqual({ m1: 0, never: 2, m2: 4 });
  });

  it('does not modify its inputs', () => {
    const a = { m1: 1 };
    mergeBuckets([a, { m1: 2 }]);
    expect(a).toEqual({ m1: 1 });
  });

  it('refuses counts that are not whole numbers', () => {
    expect(() => mergeBuckets([{ m1: Number.NaN }])).toThrow(RangeError);
  });
});

describe('compactableKeys', () => {
  it('selects minute keys whose whole minute is older than compactAfterMs, oldest first', () => {
    const edge = nowMs - compactAfterMs; // a bucket start, since now is a whole minute
    const buckets = {
      [keyAt(edge - 3 * bucketMs)]: -1, // compacted whatever the sign
      [keyAt(edge - bucketMs)]: 2, // last instant edge − 1: older than the limit
      [keyAt(edge)]: 1, // starts exactly at the limit: not yet
      [keyAt(nowMs - hour)]: 5,
      old: 9,
      never: 1,
      unlicensed: 1,
      [keyAt(edge - 2 * bucketMs)]: 0,
    };
    expect(compactableKeys(buckets, now)).toEqual([
      keyAt(edge - 3 * bucketMs),
      keyAt(edge - 2 * bucketMs),
      keyAt(edge - bucketMs),
    ]);
    // One bucket later the edge bucket qualifies.
    expect(compactableKeys(buckets, new Date(nowMs + bucketMs))).toContain(keyAt(edge));
    expect(compactableKeys(buckets, new Date(nowMs + bucketMs - 1))).not.toContain(keyAt(edge));
  });

  it('selects nothing from a fresh histogram', () => {
    expect(compactableKeys({ [keyAt(nowMs)]: 1, old: 1 }, now)).toEqual([]);
  });
});

describe('oldestBucketStart', () => {
  it('is the start of the oldest minute bucket with a positive count', () => {
    const buckets = {
      [keyAt(nowMs - 5 * hour)]: 0,
      [keyAt(nowMs - 4 * hour)]: -1,
      [keyAt(nowMs - 3 * hour)]: 2,
      [keyAt(nowMs)]: 1,
      old: 4,
      never: 3,
    };
    expect(oldestBucketStart(buckets)).toEqual(new Date(nowMs - 3 * hour));
  });

  it('is undefined without a positive minute bucket', () => {
    expect(oldestBucketStart({})).toBeUndefined();
    expect(oldestBucketStart({ old: 3, never: 1, m5: 0, m6: -2 })).toBeUndefined();
  });
});
