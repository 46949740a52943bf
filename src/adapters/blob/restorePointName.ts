/**
 * Restore-point blob names: `{deviceId}/{inverted time}`, where the inverted time is a fixed-width
 * decimal of (a constant − takenAt in ms), so a prefix listing, which is in name order, returns a
 * device's points newest first. The format itself is the domain's; this adds the checks a blob name
 * needs (a valid device id, a time the fixed width can hold) and the reverse parse.
 */
import { deviceIdPattern } from '../../domain/device';
import { restorePointName as domainRestorePointName, restorePointTime } from '../../domain/restorePoint';

/** The latest time the 13-digit inverted time holds (9999999999999 ms, in the year 2286). */
export const maxRestorePointTimeMs = 9_999_999_999_999;

export function restorePointName(deviceId: string, takenAt: Date): string {
  restorePointPrefix(deviceId);
  const ms = takenAt.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > maxRestorePointTimeMs) {
    throw new RangeError(`takenAt ${String(takenAt)} is outside the times a restore point name can hold`);
  }
  return domainRestorePointName(deviceId, takenAt);
}

/**
 * The listing prefix of a device's points. The trailing `/` matters: without it device `pc1` would
 * also list the points of `pc10`. Device ids cannot contain `/` (nor anything a URL would rewrite,
 * such as `..`), so the prefix is unambiguous.
 */
export function restorePointPrefix(deviceId: string): string {
  if (!deviceIdPattern.test(deviceId)) throw new TypeError(`"${deviceId}" is not a valid device id`);
  return `${deviceId}/`;
}

/** The device and time a restore-point name stands for; undefined when it is not such a name. */
export function parseRestorePointName(name: string): { deviceId: string; takenAt: Date } | undefined {
  const slash = name.lastIndexOf('/');
  const deviceId = name.slice(0, slash);
  const takenAt = restorePointTime(name);
  if (slash < 0 || !deviceIdPattern.test(deviceId) || !takenAt) return undefined;
  return { deviceId, takenAt };
}
