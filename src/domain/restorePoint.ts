/** A restore point: one verified copy of a device's disk in its backup region, at one time. */
export type RestorePointKind = 'scheduled' | 'manual';

export interface RestorePoint {
  deviceId: string;
  /** `{deviceId}/{inverted time}`: a prefix listing returns a device's points newest first. */
  name: string;
  region: string;
  takenAt: string;
  kind: RestorePointKind;
  verified: boolean;
  sizeBytes: number;
  /** Content hash recorded at verification (MD5 of the sampled ranges, base64). */
  hash?: string;
}

/** Newest first under a prefix listing: the name holds the time subtracted from a fixed far future. */
const invertBase = 9_999_999_999_999;

/** `{deviceId}/{inverted time}`: the same name for the same device and time, so a retry finds its point. */
export function restorePointName(deviceId: string, takenAt: Date): string {
  return `${deviceId}/${String(invertBase - takenAt.getTime()).padStart(13, '0')}`;
}

/** The time a restore point's name encodes, or undefined for a name of another shape. */
export function restorePointTime(name: string): Date | undefined {
  const match = /\/(\d{13})$/.exec(name);
  return match ? new Date(invertBase - Number(match[1])) : undefined;
}
