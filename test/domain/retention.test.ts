import { describe, expect, it } from 'vitest';
import type { RestorePoint, RestorePointKind } from '../../src/domain/restorePoint';
import {
  defaultRetention,
  isoWeekStartMs,
  pointsToPrune,
  type RetentionPolicy,
} from '../../src/domain/retention';

function point(
  takenAt: string,
  kind: RestorePointKind = 'scheduled',
  verified = true,
  deviceId = 'dev-1',
): RestorePoint {
  return {
    tenantId: '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10',
    deviceId,
    name: `6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10/${deviceId}/${takenAt}`,
    region: 'westeurope',
    takenAt,
    kind,
    verified,
    sizeBytes: 1024,
  };
}

const times = (points: readonly RestorePoint[]): string[] => points.map((p) => p.takenAt).sort();

/** Hourly scheduled points from `from` (inclusive) to `to` (exclusive). */
function hourly(from: string, to: string): RestorePoint[] {
  const points: RestorePoint[] = [];
  for (let ms = Date.parse(from); ms < Date.parse(to); ms += 3_600_000)
    points.push(point(new Date(ms).toISOString()));
  return points;
}

/** A fixed shuffle, so no test depends on the input being ordered. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  let seed = 42;
  for (let i = copy.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('pointsToPrune', () => {
  it('prunes nothing from no points', () => {
    expect(pointsToPrune([], defaultRetention)).toEqual([]);
  });

  it('prunes nothing while there are fewer points than the policy keeps', () => {
    const points = hourly('2024-03-10T00:00:00Z', '2024-03-10T06:00:00Z');
    expect(pointsToPrune(shuffled(points), defaultRetention)).toEqual([]);
  });

  it('keeps exactly the latest and weekly points over a month of hourly points', () => {
    // March 2024: the 1st is a Friday, the 31st a Sunday.
    const scheduled = hourly('2024-03-01T00:00:00Z', '2024-04-01T00:00:00Z');
    const manual = [point('2024-03-05T12:30:00.000Z', 'manual'), point('2024-03-20T08:15:00.000Z', 'manual')];
    const unverified = [
      point('2024-03-02T07:00:00.000Z', 'scheduled', false),
      point('2024-03-31T23:30:00.000Z', 'scheduled', false),
    ];
    const all = shuffled([...scheduled, ...manual, ...unverified]);

    const kept = [
      // latest 10
      ...Array.from({ length: 10 }, (_, i) => `2024-03-31T${String(14 + i).padStart(2, '0')}:00:00.000Z`),
      // weekly 4: newest of Mon 25–Sun 31 (already among the latest), 18–24, 11–17, 4–10; the partial
      // week of Mon 26 Feb–Sun 3 Mar is the fifth and is not kept
      '2024-03-24T23:00:00.000Z',
      '2024-03-17T23:00:00.000Z',
      '2024-03-10T23:00:00.000Z',
      // newest manual
      '2024-03-20T08:15:00.000Z',
    ];
    const expected = [...scheduled, ...manual].map((p) => p.takenAt).filter((t) => !kept.includes(t));

    const pruned = pointsToPrune(all, defaultRetention);
    expect(times(pruned)).toEqual([...expected].sort());
    expect(pruned).toHaveLength(744 + 2 - 14);
    expect(pruned.every((p) => p.verified)).toBe(true);
  });

  it('returns the same order whatever the input order', () => {
    const points = [
      ...hourly('2024-03-01T00:00:00Z', '2024-03-03T00:00:00Z'),
      point('2024-03-01T05:30:00.000Z', 'manual'),
    ];
    const a = pointsToPrune(points, defaultRetention);
    const b = pointsToPrune(shuffled(points), defaultRetention);
    const c = pointsToPrune([...points].reverse(), defaultRetention);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // newest first
    expect(a.map((p) => p.takenAt)).toEqual([...a.map((p) => p.takenAt)].sort().reverse());
  });

  it('counts only weeks that have a point, newest first', () => {
    const points = [
      point('2024-01-03T10:00:00.000Z'), // week of Mon 1 Jan
      point('2024-01-02T10:00:00.000Z'),
      point('2024-01-17T10:00:00.000Z'), // week of Mon 15 Jan
      point('2024-02-01T10:00:00.000Z'), // week of Mon 29 Jan
      point('2024-02-22T10:00:00.000Z'), // week of Mon 19 Feb
      point('2024-02-19T00:00:00.000Z'),
    ];
    const pruned = pointsToPrune(points, { latest: 0, weekly: 3, keepLatestManual: false });
    expect(times(pruned)).toEqual([
      '2024-01-02T10:00:00.000Z',
      '2024-01-03T10:00:00.000Z',
      '2024-02-19T00:00:00.000Z',
    ]);
  });

  it('splits weeks at Monday 00:00 UTC', () => {
    const sundayLast = point('2024-03-10T23:59:59.999Z');
    const sundayEarly = point('2024-03-10T01:00:00.000Z');
    const mondayFirst = point('2024-03-11T00:00:00.000Z');
    const mondayLater = point('2024-03-11T05:00:00.000Z');
    const pruned = pointsToPrune([sundayLast, sundayEarly, mondayFirst, mondayLater], {
      latest: 0,
      weekly: 2,
      keepLatestManual: false,
    });
    expect(times(pruned)).toEqual([sundayEarly.takenAt, mondayFirst.takenAt]);
  });

  it('reads takenAt with an offset as the same instant in UTC', () => {
    // 00:30 on Monday in +02:00 is 22:30 on Sunday UTC: the previous week.
    const sundayUtc = point('2024-03-11T00:30:00+02:00');
    const monday = point('2024-03-11T09:00:00Z');
    expect(pointsToPrune([sundayUtc, monday], { latest: 0, weekly: 2, keepLatestManual: false })).toEqual([]);
    expect(pointsToPrune([sundayUtc, monday], { latest: 0, weekly: 1, keepLatestManual: false })).toEqual([
      sundayUtc,
    ]);
  });

  it('keeps only the newest manual point: a manual point is kept until replaced', () => {
    const older = point('2024-03-01T09:00:00.000Z', 'manual');
    const newer = point('2024-03-08T09:00:00.000Z', 'manual');
    const scheduled = hourly('2024-03-10T00:00:00Z', '2024-03-10T03:00:00Z');
    expect(pointsToPrune([older, ...scheduled], defaultRetention)).toEqual([]);
    expect(pointsToPrune([newer, older, ...scheduled], defaultRetention)).toEqual([older]);
  });

  it('does not count manual points towards latest or weekly', () => {
    const scheduled = [point('2024-03-01T00:00:00.000Z'), point('2024-03-01T01:00:00.000Z')];
    const manual = point('2024-03-01T02:00:00.000Z', 'manual');
    expect(pointsToPrune([...scheduled, manual], { latest: 1, weekly: 0, keepLatestManual: true })).toEqual([
      scheduled[0],
    ]);
  });

  it('prunes every manual point but the newest of all when keepLatestManual is off', () => {
    const olderManual = point('2024-03-01T09:00:00.000Z', 'manual');
    const scheduled = point('2024-03-02T09:00:00.000Z');
    const newestManual = point('2024-03-03T09:00:00.000Z', 'manual');
    const pruned = pointsToPrune([olderManual, scheduled, newestManual], {
      latest: 1,
      weekly: 0,
      keepLatestManual: false,
    });
    expect(pruned).toEqual([olderManual]);
  });

  it('never prunes unverified points', () => {
    const unverified = hourly('2024-03-01T00:00:00Z', '2024-03-03T00:00:00Z').map((p) => ({
      ...p,
      verified: false,
    }));
    const verified = point('2024-03-04T00:00:00.000Z');
    expect(
      pointsToPrune([...unverified, verified], { latest: 0, weekly: 0, keepLatestManual: false }),
    ).toEqual([]);
    // an unverified newer point does not displace the newest verified one
    const newerUnverified = point('2024-03-05T00:00:00.000Z', 'scheduled', false);
    expect(
      pointsToPrune([verified, newerUnverified], { latest: 0, weekly: 0, keepLatestManual: false }),
    ).toEqual([]);
  });

  it('keeps the newest verified point even with latest 0 and weekly 0', () => {
    const points = hourly('2024-03-01T00:00:00Z', '2024-03-01T05:00:00Z');
    const policy: RetentionPolicy = { latest: 0, weekly: 0, keepLatestManual: false };
    const pruned = pointsToPrune(shuffled(points), policy);
    expect(times(pruned)).toEqual(times(points.slice(0, 4)));

    const manualNewest = point('2024-03-01T06:00:00.000Z', 'manual');
    expect(times(pointsToPrune([...points, manualNewest], policy))).toEqual(times(points));
  });

  it('judges each device on its own points', () => {
    const a = hourly('2024-03-01T00:00:00Z', '2024-03-01T03:00:00Z');
    const b = [
      point('2024-02-01T00:00:00.000Z', 'scheduled', true, 'dev-2'),
      point('2024-02-01T01:00:00.000Z', 'scheduled', true, 'dev-2'),
    ];
    const pruned = pointsToPrune([...a, ...b], { latest: 1, weekly: 0, keepLatestManual: false });
    expect(pruned.map((p) => `${p.deviceId} ${p.takenAt}`).sort()).toEqual([
      'dev-1 2024-03-01T00:00:00.000Z',
      'dev-1 2024-03-01T01:00:00.000Z',
      'dev-2 2024-02-01T00:00:00.000Z',
    ]);
  });

  it('refuses unreadable times and invalid policies', () => {
    expect(() => pointsToPrune([point('yesterday')], defaultRetention)).toThrow(RangeError);
    expect(() => pointsToPrune([], { ...defaultRetention, latest: -1 })).toThrow(RangeError);
    expect(() => pointsToPrune([], { ...defaultRetention, weekly: 1.5 })).toThrow(RangeError);
  });
});

describe('isoWeekStartMs', () => {
  it('is Monday 00:00 UTC of the week', () => {
    expect(new Date(isoWeekStartMs(Date.parse('2024-03-31T23:59:59.999Z'))).toISOString()).toBe(
      '2024-03-25T00:00:00.000Z',
    );
    expect(new Date(isoWeekStartMs(Date.parse('2024-03-25T00:00:00.000Z'))).toISOString()).toBe(
      '2024-03-25T00:00:00.000Z',
    );
    expect(new Date(isoWeekStartMs(Date.parse('2024-03-24T23:59:59.999Z'))).toISOString()).toBe(
      '2024-03-18T00:00:00.000Z',
    );
    expect(new Date(isoWeekStartMs(Date.parse('2025-01-01T12:00:00Z'))).toISOString()).toBe(
      '2024-12-30T00:00:00.000Z',
    );
  });
});
