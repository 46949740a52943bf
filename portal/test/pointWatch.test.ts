import { describe, expect, it } from 'vitest';
import { isVerified, watchDone, watchForMs, watchPoint } from '../src/logic/pointWatch';

describe('pointWatch', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const watched = watchPoint({ name: 't/cpc-1/100', takenAt: '2026-01-01T12:00:00Z' }, now);
  const copying = [
    { name: 't/cpc-1/100', verified: false },
    { name: 't/cpc-1/200', verified: true },
  ];

  it('is done at once when no point is watched', () => {
    expect(watchDone([], undefined, now)).toBe(true);
  });

  it('keeps looking while the requested point is missing or not verified', () => {
    expect(watchDone([], watched, now + 1_000)).toBe(false);
    expect(watchDone(copying, watched, now + 1_000)).toBe(false);
  });

  it('stops when the requested point is verified, not when another one is', () => {
    expect(isVerified(copying, 't/cpc-1/200')).toBe(true);
    expect(isVerified(copying, 't/cpc-1/100')).toBe(false);
    expect(watchDone([{ name: 't/cpc-1/100', verified: true }], watched, now + 1_000)).toBe(true);
  });

  it('gives up once the watch has run its time', () => {
    expect(watchDone(copying, watched, now + watchForMs)).toBe(false);
    expect(watchDone(copying, watched, now + watchForMs + 1)).toBe(true);
  });
});
