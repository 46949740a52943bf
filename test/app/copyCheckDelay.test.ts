import { describe, expect, it } from 'vitest';
import { copyCheckDelay } from '../../src/app/copyCheckDelay';

const delays = {
  checkDelayInMs: 10_000,
  slotWaitCheckDelayInMs: 300_000,
  minCopyCheckDelayInMs: 2_000,
  maxCopyCheckDelayInMs: 60_000,
};

describe('copyCheckDelay', () => {
  it('looks at a copy waiting for a slot only as a safety net: its grant wakes it', () => {
    expect(copyCheckDelay({ state: 'pending', waiting: 'copy-slot' }, delays)).toBe(300_000);
  });

  it('looks at a pending copy without a pace every check delay', () => {
    expect(copyCheckDelay({ state: 'pending' }, delays)).toBe(10_000);
    // Started but no data moved yet (or queued behind an earlier copy of its disk): no pace.
    expect(copyCheckDelay({ state: 'pending', progress: { percent: 0, runningMs: 40_000 } }, delays)).toBe(
      10_000,
    );
    expect(copyCheckDelay({ state: 'pending', progress: { percent: 50, runningMs: 0 } }, delays)).toBe(
      10_000,
    );
  });

  it('looks half way to the end its pace foretells, within the bounds', () => {
    // 40 % in 120 s: 180 s to go, looked at in 90 s, capped at 60 s.
    expect(copyCheckDelay({ state: 'pending', progress: { percent: 40, runningMs: 120_000 } }, delays)).toBe(
      60_000,
    );
    // 80 % in 240 s: 60 s to go, looked at in 30 s.
    expect(copyCheckDelay({ state: 'pending', progress: { percent: 80, runningMs: 240_000 } }, delays)).toBe(
      30_000,
    );
    // 99 % in 297 s: 3 s to go, looked at no sooner than 2 s.
    expect(copyCheckDelay({ state: 'pending', progress: { percent: 99, runningMs: 297_000 } }, delays)).toBe(
      2_000,
    );
  });

  it('follows a steady copy of 300 s to its end in a handful of looks, the last within the minimum of it', () => {
    // A copy moving 1 % every 3 s, reported as a floored percentage as ARM's double does.
    const endMs = 300_000;
    let at = delays.checkDelayInMs;
    let looks = 1;
    while (at < endMs) {
      const percent = Math.floor((at / endMs) * 100);
      at += copyCheckDelay({ state: 'pending', progress: { percent, runningMs: at } }, delays);
      looks += 1;
    }
    expect(at - endMs).toBeLessThanOrEqual(delays.minCopyCheckDelayInMs);
    // One look every 10 s would be 30.
    expect(looks).toBeLessThanOrEqual(15);
  });
});
