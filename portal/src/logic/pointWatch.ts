/**
 * Watching a manual restore point after it was requested: the device page reads the device's
 * points again until the requested one is listed as verified, or until a few minutes have passed
 * (a copy that keeps failing is retried by the worker with back-off, not watched here for ever).
 */
export const watchForMs = 3 * 60_000;

export interface WatchedPoint {
  /** The point's name, as the 202 gave it. */
  name: string;
  takenAt: string;
  /** Stop watching after this (ms since the epoch). */
  until: number;
}

export function watchPoint(requested: { name: string; takenAt: string }, now: number): WatchedPoint {
  return { ...requested, until: now + watchForMs };
}

export function isVerified(points: readonly { name: string; verified: boolean }[], name: string): boolean {
  return points.some((p) => p.name === name && p.verified);
}

/** Whether the list needs no further look: nothing watched, the point verified, or the time up. */
export function watchDone(
  points: readonly { name: string; verified: boolean }[],
  watched: WatchedPoint | undefined,
  now: number,
): boolean {
  return !watched || now > watched.until || isVerified(points, watched.name);
}
