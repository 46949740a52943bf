import { describe, expect, it } from 'vitest';
import { formatDuration } from '../src/logic/durations';

describe('formatDuration', () => {
  it('gives seconds under a minute', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(42.4)).toBe('42 s');
  });

  it('gives minutes and seconds under an hour', () => {
    expect(formatDuration(60)).toBe('1 min 00 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(3_599)).toBe('59 min 59 s');
  });

  it('gives hours and minutes under a day, then days and hours', () => {
    expect(formatDuration(3_600)).toBe('1 h 00 min');
    expect(formatDuration(3_845)).toBe('1 h 04 min');
    expect(formatDuration(2 * 86_400 + 3 * 3_600 + 59)).toBe('2 d 3 h');
  });

  it('shows a dash for nothing known', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});
