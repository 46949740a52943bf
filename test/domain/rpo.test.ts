import { describe, expect, it } from 'vitest';
import {
  complianceStatus,
  dueAnnouncement,
  isRpoHours,
  nextAnnouncementAtMs,
  nextSlotStart,
  rpoHoursValues,
  rpoMs,
  slotIndex,
  slotOffsetMs,
  slotStart,
  stableHash32,
  statusForAge,
} from '../../src/domain/rpo';

const hour = 3_600_000;

describe('isRpoHours / rpoMs', () => {
  it('accepts exactly the allowed hours', () => {
    for (const h of rpoHoursValues) expect(isRpoHours(h)).toBe(true);
    for (const h of [0, 3, 5, 8, 48, 1.5, -1, Number.NaN]) expect(isRpoHours(h)).toBe(false);
  });

  it('converts hours to milliseconds', () => {
    expect(rpoMs(1)).toBe(hour);
    expect(rpoMs(4)).toBe(4 * hour);
    expect(rpoMs(24)).toBe(86_400_000);
  });

  it('refuses hours outside the list even when the type is bypassed', () => {
    expect(() => rpoMs(3 as never)).toThrow(RangeError);
  });
});

describe('stableHash32', () => {
  it('is deterministic and unsigned 32-bit', () => {
    expect(stableHash32('device-1')).toBe(stableHash32('device-1'));
    for (const id of ['', 'a', 'device-1', '😀', 'x'.repeat(1000)]) {
      const h = stableHash32(id);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
    }
    expect(stableHash32('device-1')).not.toBe(stableHash32('device-2'));
  });
});

describe('slotOffsetMs', () => {
  it('is deterministic, in [0, rpo), and whole seconds', () => {
    for (const hours of rpoHoursValues) {
      const rpo = rpoMs(hours);
      for (let i = 0; i < 200; i++) {
        const id = `dev-${i}`;
        const offset = slotOffsetMs(id, rpo);
        expect(offset).toBe(slotOffsetMs(id, rpo));
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(rpo);
        expect(offset % 1000).toBe(0);
      }
    }
  });

  it('stays below a window that is not a whole number of seconds', () => {
    for (let i = 0; i < 200; i++) {
      const offset = slotOffsetMs(`d${i}`, 1500);
      expect([0, 1000]).toContain(offset);
    }
    expect(slotOffsetMs('any', 999)).toBe(0);
  });

  it.each([
    ['sequential ids', (i: number) => `device-${String(i).padStart(5, '0')}`],
    ['GUID-like ids', (i: number) => `3f2504e0-4f89-11d3-9a0c-${i.toString(16).padStart(12, '0')}`],
  ])('spreads a fleet of 10,000 %s over the window', (_name, idOf) => {
    const rpo = rpoMs(4);
    const buckets = new Array<number>(12).fill(0);
    const offsets = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const offset = slotOffsetMs(idOf(i), rpo);
      offsets.add(offset);
      const bucket = Math.floor((offset / rpo) * 12);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    const mean = 10_000 / 12;
    for (const count of buckets) {
      expect(count).toBeLessThan(2 * mean);
      expect(count).toBeGreaterThan(mean / 2);
    }
    // 14,400 seconds in the window: 10,000 ids should mostly land on distinct seconds.
    expect(offsets.size).toBeGreaterThan(6_000);
  });

  it('spreads sequential ids like a random spread over minute buckets', () => {
    // Chi-square per degree of freedom is about 1 for a random spread; plain FNV-1a gives about 1.7.
    const rpo = rpoMs(4);
    const n = 240;
    const buckets = new Array<number>(n).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const bucket = Math.floor((slotOffsetMs(`device-${String(i).padStart(5, '0')}`, rpo) / rpo) * n);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    const mean = 10_000 / n;
    const chiSquare = buckets.reduce((sum, count) => sum + (count - mean) ** 2 / mean, 0);
    expect(chiSquare / (n - 1)).toBeLessThan(1.3);
  });

  it('refuses a window that is not a positive whole number of ms', () => {
    for (const bad of [0, -hour, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => slotOffsetMs('d', bad)).toThrow(RangeError);
  });
});

describe('slotIndex / slotStart / nextSlotStart', () => {
  const rpo = rpoMs(4);
  const ids = ['device-a', 'device-b', 'c0ffee00-0000-4000-8000-000000000001'];

  it('round-trips: the start of slot k lies in slot k', () => {
    for (const id of ids) {
      for (const k of [-3, 0, 1, 2, 117_000, 500_123]) {
        const start = slotStart(id, rpo, k);
        expect(slotIndex(id, rpo, start)).toBe(k);
        expect(start.getTime()).toBe(slotOffsetMs(id, rpo) + k * rpo);
      }
    }
  });

  it('puts the edges exactly: a slot includes its start and excludes its end', () => {
    for (const id of ids) {
      const k = 120_000;
      const start = slotStart(id, rpo, k).getTime();
      expect(slotIndex(id, rpo, new Date(start))).toBe(k);
      expect(slotIndex(id, rpo, new Date(start - 1))).toBe(k - 1);
      expect(slotIndex(id, rpo, new Date(start + rpo - 1))).toBe(k);
      expect(slotIndex(id, rpo, new Date(start + rpo))).toBe(k + 1);
    }
  });

  it('finds a time inside its slot', () => {
    const at = new Date('2025-03-14T10:17:23.456Z');
    for (const id of ids) {
      const k = slotIndex(id, rpo, at);
      expect(slotStart(id, rpo, k).getTime()).toBeLessThanOrEqual(at.getTime());
      expect(slotStart(id, rpo, k + 1).getTime()).toBeGreaterThan(at.getTime());
    }
  });

  it('gives the next slot start strictly after, even from a slot start', () => {
    for (const id of ids) {
      const start = slotStart(id, rpo, 123_456);
      expect(nextSlotStart(id, rpo, start)).toEqual(slotStart(id, rpo, 123_457));
      expect(nextSlotStart(id, rpo, new Date(start.getTime() - 1))).toEqual(start);
      expect(nextSlotStart(id, rpo, new Date(start.getTime() + rpo - 1))).toEqual(
        slotStart(id, rpo, 123_457),
      );
      const at = new Date('2025-06-01T00:00:00Z');
      const next = nextSlotStart(id, rpo, at);
      expect(next.getTime()).toBeGreaterThan(at.getTime());
      expect(next.getTime() - at.getTime()).toBeLessThanOrEqual(rpo);
    }
  });

  it('refuses invalid dates and fractional indices', () => {
    expect(() => slotIndex('d', rpo, new Date(Number.NaN))).toThrow(RangeError);
    expect(() => nextSlotStart('d', rpo, new Date('nope'))).toThrow(RangeError);
    expect(() => slotStart('d', rpo, 1.5)).toThrow(RangeError);
  });
});

describe('complianceStatus', () => {
  const rpo = rpoMs(4);
  const now = new Date('2025-05-01T12:00:00Z');
  const ago = (ms: number): Date => new Date(now.getTime() - ms);
  const base = { licensed: true, enabled: true, rpoMs: rpo, now };

  it('applies the precedence unlicensed, disabled, not yet protected', () => {
    expect(
      complianceStatus({ ...base, licensed: false, enabled: false, lastVerifiedAt: ago(10 * rpo) }),
    ).toBe('unlicensed');
    expect(complianceStatus({ ...base, licensed: false })).toBe('unlicensed');
    expect(complianceStatus({ ...base, enabled: false, lastVerifiedAt: ago(10 * rpo) })).toBe('disabled');
    expect(complianceStatus({ ...base, enabled: false })).toBe('disabled');
    expect(complianceStatus(base)).toBe('not-yet-protected');
  });

  it('is protected up to and including one RPO', () => {
    expect(complianceStatus({ ...base, lastVerifiedAt: now })).toBe('protected');
    expect(complianceStatus({ ...base, lastVerifiedAt: ago(rpo) })).toBe('protected');
    expect(complianceStatus({ ...base, lastVerifiedAt: ago(rpo + 1) })).toBe('at-risk');
  });

  it('is at risk up to and including two RPOs, breached beyond', () => {
    expect(complianceStatus({ ...base, lastVerifiedAt: ago(2 * rpo) })).toBe('at-risk');
    expect(complianceStatus({ ...base, lastVerifiedAt: ago(2 * rpo + 1) })).toBe('breached');
    expect(complianceStatus({ ...base, lastVerifiedAt: ago(30 * rpo) })).toBe('breached');
  });

  it('counts a point stamped ahead of our clock as fresh', () => {
    expect(complianceStatus({ ...base, lastVerifiedAt: ago(-60_000) })).toBe('protected');
  });

  it('refuses invalid dates', () => {
    expect(() => complianceStatus({ ...base, lastVerifiedAt: new Date(Number.NaN) })).toThrow(RangeError);
    expect(() => statusForAge(Number.NaN, rpo)).toThrow(RangeError);
  });
});

describe('dueAnnouncement / nextAnnouncementAtMs', () => {
  const rpo = 4 * hour;
  const verified = Date.parse('2030-01-01T00:00:00Z');
  const states = ['not-yet-protected', 'protected', 'at-risk', 'breached'] as const;

  it('announces at risk past one RPO only after protected, and breached past two from any state but breached', () => {
    expect(dueAnnouncement(verified, rpo, 'protected', verified + rpo)).toBeUndefined();
    expect(dueAnnouncement(verified, rpo, 'protected', verified + rpo + 1)).toBe('at-risk');
    expect(dueAnnouncement(verified, rpo, 'at-risk', verified + rpo + 1)).toBeUndefined();
    expect(dueAnnouncement(verified, rpo, 'protected', verified + 2 * rpo + 1)).toBe('breached');
    expect(dueAnnouncement(verified, rpo, 'at-risk', verified + 2 * rpo + 1)).toBe('breached');
    expect(dueAnnouncement(verified, rpo, 'not-yet-protected', verified + 2 * rpo + 1)).toBe('breached');
    expect(dueAnnouncement(verified, rpo, 'breached', verified + 10 * rpo)).toBeUndefined();
    expect(dueAnnouncement(null, rpo, 'protected', verified + 10 * rpo)).toBeUndefined();
  });

  it('names the first millisecond at which a transition is due, for every announced state', () => {
    for (const state of states) {
      const at = nextAnnouncementAtMs(verified, rpo, state);
      if (at === null) {
        expect(state).toBe('breached');
        expect(dueAnnouncement(verified, rpo, state, verified + 100 * rpo)).toBeUndefined();
        continue;
      }
      expect(dueAnnouncement(verified, rpo, state, at - 1), state).toBeUndefined();
      expect(dueAnnouncement(verified, rpo, state, at), state).toBeDefined();
    }
    expect(nextAnnouncementAtMs(null, rpo, 'protected')).toBeNull();
  });

  it('refuses an RPO that is not a positive whole number of milliseconds', () => {
    expect(() => nextAnnouncementAtMs(verified, 0, 'protected')).toThrow(RangeError);
    expect(() => dueAnnouncement(verified, Number.NaN, 'protected', verified)).toThrow(RangeError);
  });
});
