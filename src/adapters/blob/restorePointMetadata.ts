/**
 * The metadata a restore-point blob carries, which is everything known about the point: the
 * backup region's listing alone answers "which points, which verified", with no other store.
 */
import type { DiskSnapshot } from '../../domain/disk';
import type { RestorePoint, RestorePointKind } from '../../domain/restorePoint';
import type { RestorePointTarget } from '../../ports/RestorePointStore';
import { parseRestorePointName } from './restorePointName';

/** Metadata names are case-insensitive and come back lower-case, so they are written that way. */
export const PointMetadata = {
  /** Lower-case, as the name holds it. */
  tenantId: 'tenantid',
  deviceId: 'deviceid',
  takenAt: 'takenat',
  kind: 'kind',
  verified: 'verified',
  hash: 'hash',
  sourceSize: 'sourcesize',
  sourceRegion: 'sourceregion',
  sourceSnapshot: 'sourcesnapshot',
  /**
   * The hash `verify` found, stamped on the blob under the ETag it read before comparing:
   * `markVerified` accepts only this hash, so a blob replaced after its verification (removed and
   * copied again) cannot be marked with the old blob's result.
   */
  checkedHash: 'checkedhash',
  /** `managedDisk` for a point whose data is a snapshot in ARM; absent for a page-blob point. */
  diskKind: 'diskkind',
  /** A managed-disk point's copy: the target snapshot's ARM id in the backup region. */
  targetSnapshot: 'targetsnapshot',
  /** When the managed-disk copy was started (ISO): a copy running longer is judged stuck. */
  copyStartedAt: 'copystartedat',
  /**
   * Which start of a managed-disk point's copy this is (0, 1, …; absent is 0): its CopyStart slot
   * is asked for under an id of that generation (src/adapters/arm/copySlotIds.ts).
   */
  copyGeneration: 'copygeneration',
  /** The source snapshot was handed back for deletion (the next copy no longer needs it). */
  sourceReleased: 'sourcereleased',
  /** Why verification found the point unusable (a content mismatch): never offered for recovery. */
  unusable: 'unusable',
  /** What verification could not check, said rather than skipped (a disk that forbids SAS). */
  verificationNote: 'verificationnote',
  /**
   * A managed-disk copy of a customer-managed-key disk: the encryption type and the disk encryption
   * set its CopyStart named, so a copy started again (its record found without its target) is
   * encrypted alike.
   */
  copyEncryptionType: 'copyencryptiontype',
  copyEncryptionSet: 'copyencryptionset',
} as const;

const kinds: readonly RestorePointKind[] = ['scheduled', 'manual'];

/** The metadata of a point being created: not verified yet. */
export function newPointMetadata(snapshot: DiskSnapshot, target: RestorePointTarget): Record<string, string> {
  return {
    [PointMetadata.tenantId]: target.tenantId.toLowerCase(),
    [PointMetadata.deviceId]: target.deviceId,
    [PointMetadata.takenAt]: target.takenAt.toISOString(),
    [PointMetadata.kind]: target.kind,
    [PointMetadata.verified]: 'false',
    [PointMetadata.sourceSize]: String(snapshot.sizeBytes),
    [PointMetadata.sourceRegion]: snapshot.region,
    [PointMetadata.sourceSnapshot]: snapshot.snapshotId,
  };
}

/**
 * The point a blob's name and metadata describe, or undefined when they do not describe one
 * consistently (a foreign blob, a name of the old shape without its tenant, or metadata
 * half-written by hand): such a blob is never offered for recovery.
 */
export function toRestorePoint(
  region: string,
  name: string,
  metadata: Readonly<Record<string, string>> | undefined,
): RestorePoint | undefined {
  const parsed = parseRestorePointName(name);
  if (!parsed || !metadata) return undefined;
  const takenAtMs = Date.parse(metadata[PointMetadata.takenAt] ?? '');
  const kind = metadata[PointMetadata.kind] as RestorePointKind;
  const verified = metadata[PointMetadata.verified];
  const sizeBytes = Number(metadata[PointMetadata.sourceSize]);
  const hash = metadata[PointMetadata.hash];
  const snapshotArmId = metadata[PointMetadata.targetSnapshot];
  const unusable = metadata[PointMetadata.unusable];
  const consistent =
    metadata[PointMetadata.tenantId] === parsed.tenantId &&
    metadata[PointMetadata.deviceId] === parsed.deviceId &&
    takenAtMs === parsed.takenAt.getTime() &&
    kinds.includes(kind) &&
    (verified === 'true' || verified === 'false') &&
    Number.isSafeInteger(sizeBytes) &&
    sizeBytes >= 0 &&
    // A verified point always has its hash; one without is not trusted as verified.
    (verified === 'false' || !!hash);
  if (!consistent) return undefined;
  return {
    tenantId: parsed.tenantId,
    deviceId: parsed.deviceId,
    name,
    region,
    takenAt: parsed.takenAt.toISOString(),
    kind,
    // An unusable point is never offered, whatever else its metadata says.
    verified: verified === 'true' && !unusable,
    sizeBytes,
    ...(hash ? { hash } : {}),
    ...(snapshotArmId ? { snapshotArmId } : {}),
  };
}
