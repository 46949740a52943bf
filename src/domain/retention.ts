/**
 * Retention: which of a device's verified restore points to delete. Pure selection; the caller
 * deletes what this returns.
 *
 * Rules, per device (points of several devices may be passed together; each device is judged on its
 * own points only):
 * - Only verified points are ever pruned. Unverified ones are copies in flight or failed copies; the
 *   copy and sweep paths own them, and deleting one here could race a copy still running.
 * - Keep the `latest` newest verified scheduled points.
 * - Keep the newest verified scheduled point of each of the `weekly` most recent calendar weeks that
 *   have one (ISO weeks, Monday 00:00 UTC to Sunday 24:00 UTC). Weeks without a point do not count
 *   towards `weekly`, and a weekly point may also be one of the latest.
 * - When `keepLatestManual`, keep the newest verified manual point; older manual points are pruned,
 *   so a manual point is kept until the next one replaces it. Manual points never count towards
 *   `latest` or `weekly`.
 * - Never prune the newest verified point of all, whatever the policy: a device always keeps one
 *   point to recover from.
 * - Every other verified point is pruned.
 */
import type { RestorePoint } from './restorePoint';

export interface RetentionPolicy {
  /** How many of the newest verified scheduled points to keep. */
  latest: number;
  /** How many of the most recent weeks with a point keep their newest scheduled point. */
  weekly: number;
  /** Keep the newest verified manual point until a newer manual point replaces it. */
  keepLatestManual: boolean;
}

export const defaultRetention: RetentionPolicy = { latest: 10, weekly: 4, keepLatestManual: true };

const dayMs = 86_400_000;

interface Timed {
  point: RestorePoint;
  ms: number;
}

/** The verified points of the given points that the policy does not keep, newest first. */
export function pointsToPrune(points: readonly RestorePoint[], retention: RetentionPolicy): RestorePoint[] {
  assertCount(retention.latest, 'retention.latest');
  assertCount(retention.weekly, 'retention.weekly');

  const byDevice = new Map<string, Timed[]>();
  for (const point of points) {
    if (!point.verified) continue;
    const ms = Date.parse(point.takenAt);
    // Refuse rather than guess: a point whose time cannot be read cannot be ranked, and pruning on
    // a wrong rank deletes data.
    if (Number.isNaN(ms))
      throw new RangeError(`restore point ${point.name} has an unreadable takenAt: ${point.takenAt}`);
    const list = byDevice.get(point.deviceId);
    if (list) list.push({ point, ms });
    else byDevice.set(point.deviceId, [{ point, ms }]);
  }

  const pruned: Timed[] = [];
  for (const list of byDevice.values()) {
    list.sort(newestFirst);
    const kept = keptPoints(list, retention);
    for (const entry of list) if (!kept.has(entry)) pruned.push(entry);
  }
  return pruned.sort(newestFirst).map((entry) => entry.point);
}

/** `list` holds one device's verified points, newest first. */
function keptPoints(list: readonly Timed[], retention: RetentionPolicy): Set<Timed> {
  const kept = new Set<Timed>();
  const newest = list[0];
  if (newest) kept.add(newest);

  const scheduled = list.filter((entry) => entry.point.kind === 'scheduled');
  for (const entry of scheduled.slice(0, retention.latest)) kept.add(entry);

  // Newest first, so the first point seen in a week is that week's newest, and weeks arrive newest first.
  const weeksSeen = new Set<number>();
  for (const entry of scheduled) {
    if (weeksSeen.size >= retention.weekly) break;
    const week = isoWeekStartMs(entry.ms);
    if (weeksSeen.has(week)) continue;
    weeksSeen.add(week);
    kept.add(entry);
  }

  if (retention.keepLatestManual) {
    const manual = list.find((entry) => entry.point.kind === 'manual');
    if (manual) kept.add(manual);
  }
  return kept;
}

/** Monday 00:00 UTC of the ISO week holding `ms`. */
export function isoWeekStartMs(ms: number): number {
  const midnight = Math.floor(ms / dayMs) * dayMs;
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight - daysSinceMonday * dayMs;
}

/** Newest first; equal times by name so the order, and so the choice, never depends on input order. */
function newestFirst(a: Timed, b: Timed): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  if (a.point.deviceId !== b.point.deviceId) return a.point.deviceId < b.point.deviceId ? -1 : 1;
  return a.point.name < b.point.name ? -1 : a.point.name > b.point.name ? 1 : 0;
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
}
