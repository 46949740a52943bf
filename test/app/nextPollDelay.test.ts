import { describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/app/nextPollDelay';

const interval = 10_000;

describe('nextPollDelay', () => {
  it('waits the interval at the first poll, when there is no pace yet', () => {
    expect(nextPollDelay(interval, undefined, { atMs: 5_000, remaining: 3 })).toBe(interval);
  });

  it('waits the interval while nothing settles, or nothing is left', () => {
    const previous = { atMs: 0, remaining: 50 };
    expect(nextPollDelay(interval, previous, { atMs: 10_000, remaining: 50 })).toBe(interval);
    expect(nextPollDelay(interval, previous, { atMs: 10_000, remaining: 60 })).toBe(interval);
    expect(nextPollDelay(interval, previous, { atMs: 10_000, remaining: 0 })).toBe(interval);
    expect(nextPollDelay(interval, previous, { atMs: 0, remaining: 10 })).toBe(interval);
  });

  it('waits the interval when the pace says the rest takes longer', () => {
    // 10 settled in 10 s: 20 left take 20 s.
    expect(nextPollDelay(interval, { atMs: 0, remaining: 30 }, { atMs: 10_000, remaining: 20 })).toBe(
      interval,
    );
  });

  it('looks when the rest should be done, once that is sooner than the interval', () => {
    // 40 settled in 10 s: the last 10 take 2.5 s.
    expect(nextPollDelay(interval, { atMs: 0, remaining: 50 }, { atMs: 10_000, remaining: 10 })).toBe(2_500);
  });

  it('never looks sooner than a tenth of the interval', () => {
    expect(nextPollDelay(interval, { atMs: 0, remaining: 1_000 }, { atMs: 1_000, remaining: 1 })).toBe(1_000);
  });
});
