/**
 * Restore-point blob names: `{tenantId}/{deviceId}/{inverted time}`, where the tenant id is
 * lower-case and the inverted time is a fixed-width decimal of (a constant − takenAt in ms), so a
 * prefix listing, which is in name order, returns a device's points newest first. Device ids are
 * unique within a tenant only: the tenant id in front keeps two tenants' `cpc-0001` apart in a
 * backup region they share. The format itself is the domain's; this adds the checks a blob name
 * needs (a GUID tenant id, a valid device id, a time the fixed width can hold) and the reverse parse.
 */
import { deviceIdPattern } from '../../domain/device';
import { restorePointName as domainRestorePointName, restorePointTime } from '../../domain/restorePoint';
import { tenantIdPattern } from '../../domain/tenant';

/** The latest time the 13-digit inverted time holds (9999999999999 ms, in the year 2286). */
export const maxRestorePointTimeMs = 9_999_999_999_999;

/** A tenant's and device's point names, parsed back; `tenantId` lower-case. */
export interface ParsedRestorePointName {
  tenantId: string;
  deviceId: string;
  takenAt: Date;
}

export function restorePointName(tenantId: string, deviceId: string, takenAt: Date): string {
  restorePointPrefix(tenantId, deviceId);
  const ms = takenAt.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > maxRestorePointTimeMs) {
    throw new RangeError(`takenAt ${String(takenAt)} is outside the times a restore point name can hold`);
  }
  return domainRestorePointName(tenantId, deviceId, takenAt);
}

/**
 * The listing prefix of a device's points. The trailing `/` matters: without it device `pc1` would
 * also list the points of `pc10`. Tenant ids are GUIDs and device ids cannot contain `/` (nor
 * anything a URL would rewrite, such as `..`), so the prefix is unambiguous, and no tenant's prefix
 * is a prefix of another's.
 */
export function restorePointPrefix(tenantId: string, deviceId: string): string {
  return `${deviceBlobName(tenantId, deviceId)}/`;
}

/** The device's part of every point name: `{tenantId}/{deviceId}`, the tenant id lower-case. */
export function deviceBlobName(tenantId: string, deviceId: string): string {
  if (!tenantIdPattern.test(tenantId)) throw new TypeError(`"${tenantId}" is not a valid tenant id`);
  if (!deviceIdPattern.test(deviceId)) throw new TypeError(`"${deviceId}" is not a valid device id`);
  return `${tenantId.toLowerCase()}/${deviceId}`;
}

/**
 * The tenant, device and time a restore-point name stands for; undefined when it is not such a
 * name, including one of the old `{deviceId}/{inverted time}` shape (which says nothing of its
 * tenant, so it can never be offered to one) or one not in the canonical form this module writes.
 */
export function parseRestorePointName(name: string): ParsedRestorePointName | undefined {
  const parts = name.split('/');
  if (parts.length !== 3) return undefined;
  const [tenantId, deviceId, inverted] = parts as [string, string, string];
  const takenAt = restorePointTime(name);
  if (
    !tenantIdPattern.test(tenantId) ||
    tenantId !== tenantId.toLowerCase() ||
    !deviceIdPattern.test(deviceId) ||
    !/^\d{13}$/.test(inverted) ||
    !takenAt
  )
    return undefined;
  return { tenantId, deviceId, takenAt };
}

/** Whether a name is one of this tenant's device's points (tenant ids compared case-insensitively). */
export function isPointOf(name: string, tenantId: string, deviceId: string): boolean {
  const parsed = parseRestorePointName(name);
  return parsed !== undefined && parsed.tenantId === tenantId.toLowerCase() && parsed.deviceId === deviceId;
}
