/**
 * What the incremental store records on a device's base blob (one metadata entry; the blob is
 * `{tenantId}/{deviceId}` in `restore-bases`, so two tenants' devices of one id never share it): which primary
 * snapshot the base's content equals, the apply in progress, and the last one completed. Kept on
 * the blob itself so every step can resume from storage alone, under the blob's ETag.
 */
import type { DiskSnapshot } from '../../domain/disk';
import type { RestorePointKind } from '../../domain/restorePoint';
import { decodeJsonMetadata, encodeJsonMetadata } from './jsonMetadata';

export interface BaseState {
  /** The primary snapshot the base was last brought up to: the base of the next diff. */
  source?: DiskSnapshot;
  /**
   * The base's content is not trusted to equal `source` (an apply was abandoned half way, or a
   * point made from it was removed unverified): the next apply is a full sync. `source` is kept so
   * that it is still released once no longer needed.
   */
  stale?: boolean;
  pending?: PendingApply;
  /** The last completed apply, kept until the next completes so its pointer can still be written. */
  last?: CompletedApply;
}

export interface PendingApply {
  point: string;
  kind: RestorePointKind;
  snapshot: DiskSnapshot;
  /** The base's source when this apply began: the diff's base, and released once the point is verified. */
  from?: DiskSnapshot;
  /** Copy every valid page instead of a diff from `from`. */
  full: boolean;
  /** The base has been resized (and for a full sync, cleared). */
  prepared: boolean;
  /** How many operations of the plan are applied; the plan is a pure function of the diff, so it is the same on every call. */
  done: number;
}

export interface CompletedApply {
  point: string;
  kind: RestorePointKind;
  snapshot: DiskSnapshot;
  from?: DiskSnapshot;
  /** The base blob's snapshot that holds this point's content. */
  baseSnapshot: string;
}

export const BaseMetadata = { tenantId: 'tenantid', deviceId: 'deviceid', state: 'state' } as const;

/** The base blob's metadata; the blob itself is named `{tenantId}/{deviceId}`, as its owner says. */
export function baseMetadata(
  owner: { tenantId: string; deviceId: string },
  state: BaseState,
): Record<string, string> {
  return {
    [BaseMetadata.tenantId]: owner.tenantId.toLowerCase(),
    [BaseMetadata.deviceId]: owner.deviceId,
    [BaseMetadata.state]: encodeJsonMetadata(state),
  };
}

/** A state that cannot be read is treated as "nothing known": the next apply is a full sync. */
export function readBaseState(metadata: Readonly<Record<string, string>> | undefined): BaseState {
  const value = decodeJsonMetadata(metadata?.[BaseMetadata.state]);
  if (!isRecord(value)) return {};
  const state: BaseState = {};
  if (isDiskSnapshot(value.source)) state.source = value.source;
  if (value.stale === true) state.stale = true;
  if (isPendingApply(value.pending)) state.pending = value.pending;
  if (isCompletedApply(value.last)) state.last = value.last;
  return state;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isDiskSnapshot(value: unknown): value is DiskSnapshot {
  if (!isRecord(value) || !isRecord(value.disk)) return false;
  return (
    typeof value.region === 'string' &&
    typeof value.snapshotId === 'string' &&
    value.snapshotId !== '' &&
    Number.isSafeInteger(value.sizeBytes) &&
    value.disk.kind === 'pageBlob' &&
    typeof value.disk.container === 'string' &&
    typeof value.disk.blob === 'string'
  );
}

function isApply(value: Record<string, unknown>): boolean {
  return (
    typeof value.point === 'string' &&
    (value.kind === 'scheduled' || value.kind === 'manual') &&
    isDiskSnapshot(value.snapshot) &&
    (value.from === undefined || isDiskSnapshot(value.from))
  );
}

function isPendingApply(value: unknown): value is PendingApply {
  return (
    isRecord(value) &&
    isApply(value) &&
    typeof value.full === 'boolean' &&
    typeof value.prepared === 'boolean' &&
    Number.isSafeInteger(value.done) &&
    (value.done as number) >= 0
  );
}

function isCompletedApply(value: unknown): value is CompletedApply {
  return (
    isRecord(value) && isApply(value) && typeof value.baseSnapshot === 'string' && value.baseSnapshot !== ''
  );
}

export function sameDisk(a: DiskSnapshot, b: DiskSnapshot): boolean {
  return a.region === b.region && a.disk.container === b.disk.container && a.disk.blob === b.disk.blob;
}
