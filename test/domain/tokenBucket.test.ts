import { describe, expect, it } from 'vitest';
import {
  fullBucket,
  paused,
  refilled,
  reported,
  take,
  waitInMs,
  type TokenBucket,
} from '../../src/domain/tokenBucket';

const writes = { capacity: 200, refillPerSecond: 10 };
const t0 = 1_000_000;

/** Takes until the bucket refuses; returns how many went and the bucket after. */
function drain(bucket: TokenBucket, nowMs: number): { taken: number; bucket: TokenBucket } {
  let taken = 0;
  for (let next = take(bucket, nowMs); next; next = take(bucket, nowMs)) {
    bucket = next;
    taken += 1;
  }
  return { taken, bucket };
}

describe('a token bucket', () => {
  it('lets the burst through at once and not one call more', () => {
    const { taken, bucket } = drain(fullBucket(writes, t0), t0);
    expect(taken).toBe(200);
    expect(take(bucket, t0)).toBeUndefined();
    expect(waitInMs(bucket, t0)).toBe(100);
  });

  it('refills at its rate and never above its capacity', () => {
    const empty = drain(fullBucket(writes, t0), t0).bucket;
    expect(take(empty, t0 + 99)).toBeUndefined();
    expect(drain(empty, t0 + 100).taken).toBe(1);
    expect(drain(empty, t0 + 5_000).taken).toBe(50);
    expect(drain(empty, t0 + 3_600_000).taken).toBe(200);
    expect(refilled(empty, t0 + 3_600_000).tokens).toBe(200);
  });

  it('allows exactly capacity + rate × elapsed calls over any stretch of time (no more, one call at a time)', () => {
    let bucket = fullBucket(writes, t0);
    let sent = 0;
    // A caller that sends whenever it may, checking every 10 ms for a minute.
    for (let now = t0; now <= t0 + 60_000; now += 10) {
      const next = take(bucket, now);
      if (next) {
        bucket = next;
        sent += 1;
      }
    }
    expect(sent).toBe(200 + 10 * 60);
  });

  it('does not refill when the clock goes back', () => {
    const empty = drain(fullBucket(writes, t0), t0).bucket;
    expect(refilled(empty, t0 - 60_000)).toBe(empty);
    expect(take(empty, t0 - 60_000)).toBeUndefined();
  });

  it('lowers the estimate to a remaining count the service reports, never raises it', () => {
    const bucket = fullBucket(writes, t0);
    // Another process of the same principal spent most of the bucket.
    const behind = reported(bucket, 12);
    expect(behind.tokens).toBe(12);
    expect(drain(behind, t0).taken).toBe(12);
    // A late answer reporting more than is left now does not raise the estimate.
    expect(reported(behind, 150).tokens).toBe(12);
    // A report above the documented capacity: the service grants more than we modelled.
    const more = reported(bucket, 1_199);
    expect(more.capacity).toBe(1_199);
    expect(more.tokens).toBe(200);
    // A count not a number changes nothing.
    expect(reported(bucket, Number.NaN)).toBe(bucket);
  });

  it('sends nothing while paused, then resumes at the refill rate rather than as a burst', () => {
    const stopped = paused(fullBucket(writes, t0), 30_000, t0);
    expect(take(stopped, t0 + 29_999)).toBeUndefined();
    expect(waitInMs(stopped, t0)).toBe(30_000);
    // Refilled during the pause: 300 tokens' worth of time, capped at 200.
    expect(drain(stopped, t0 + 30_000).taken).toBe(200);
    // A shorter pause ordered later does not shorten the first.
    expect(paused(stopped, 1_000, t0 + 1_000).pausedUntilMs).toBe(t0 + 30_000);
    const short = paused(fullBucket(writes, t0), 1_000, t0);
    expect(drain(short, t0 + 1_000).taken).toBe(10);
  });

  it('refuses limits it cannot work with', () => {
    expect(() => fullBucket({ capacity: 0, refillPerSecond: 10 }, t0)).toThrow(RangeError);
    expect(() => fullBucket({ capacity: 10, refillPerSecond: 0 }, t0)).toThrow(RangeError);
  });
});
