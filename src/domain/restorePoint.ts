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
