/** A restore point: one verified copy of a device's disk in its backup region, at one time. */
export type RestorePointKind = 'scheduled' | 'manual';

export interface RestorePoint {
  /** The tenant the point belongs to, lower-case as its name holds it. */
  tenantId: string;
  deviceId: string;
  /**
   * `{tenantId}/{deviceId}/{inverted time}`: a prefix listing returns a device's points newest
   * first. Device ids are unique within a tenant only, so the tenant id keeps two tenants' devices
   * of the same id apart in a backup region they share.
   */
  name: string;
  region: string;
  takenAt: string;
  kind: RestorePointKind;
  verified: boolean;
  sizeBytes: number;
  /** Content hash recorded at verification (MD5 of the sampled ranges, base64). */
  hash?: string;
  /** A managed-disk point's data: its snapshot's ARM id in the backup region. */
  snapshotArmId?: string;
}

/** Newest first under a prefix listing: the name holds the time subtracted from a fixed far future. */
const invertBase = 9_999_999_999_999;

/**
 * `{tenantId}/{deviceId}/{inverted time}`, the tenant id lower-case: the same name for the same
 * device and time, so a retry finds its point, and never another tenant's.
 */
export function restorePointName(tenantId: string, deviceId: string, takenAt: Date): string {
  return `${tenantId.toLowerCase()}/${deviceId}/${String(invertBase - takenAt.getTime()).padStart(13, '0')}`;
}

/** The time a restore point's name encodes, or undefined for a name of another shape. */
export function restorePointTime(name: string): Date | undefined {
  const match = /\/(\d{13})$/.exec(name);
  return match ? new Date(invertBase - Number(match[1])) : undefined;
}
