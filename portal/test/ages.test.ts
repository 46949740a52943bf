import { describe, expect, it } from 'vitest';
import { ageText, byteSize, clockTime, formatAge, minutesSince } from '../src/logic/ages';

describe('formatAge', () => {
  it('says an age in its two largest units', () => {
    expect(formatAge(0)).toBe('less than a minute');
    expect(formatAge(5)).toBe('5 min');
    expect(formatAge(60)).toBe('1 h');
    expect(formatAge(200)).toBe('3 h 20 min');
    expect(formatAge(1440)).toBe('1 d');
    expect(formatAge(1440 * 2 + 60 * 4 + 7)).toBe('2 d 4 h');
  });

  it('does not print NaN for a missing number', () => {
    expect(formatAge(Number.NaN)).toBe('less than a minute');
  });
});

describe('minutesSince and ageText', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');

  it('counts whole minutes to now', () => {
    expect(minutesSince('2026-01-01T10:39:30Z', now)).toBe(80);
    expect(ageText('2026-01-01T10:39:30Z', now)).toBe('1 h 20 min ago');
  });

  it('reads a time in the future (clock skew) as just now', () => {
    expect(minutesSince('2026-01-01T12:05:00Z', now)).toBe(0);
    expect(ageText('2026-01-01T12:05:00Z', now)).toBe('just now');
  });

  it('says nothing for a missing or unreadable time', () => {
    expect(ageText(undefined, now)).toBe('');
    expect(ageText('yesterday-ish', now)).toBe('');
  });
});

describe('clockTime', () => {
  it('pads hours, minutes and seconds', () => {
    expect(clockTime(new Date(2026, 0, 1, 9, 5, 3))).toBe('09:05:03');
  });
});

describe('byteSize', () => {
  it('uses the largest binary unit that keeps it at least 1', () => {
    expect(byteSize(512)).toBe('512 B');
    expect(byteSize(65_536)).toBe('64 KiB');
    expect(byteSize(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(byteSize(127 * 1024 ** 3)).toBe('127 GiB');
  });
});
