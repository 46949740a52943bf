/**
 * The incremental store's point blobs: zero-length pointers, named and listed like full copies,
 * whose metadata names the base blob's snapshot that holds the point's content.
 */
import type { BlobGetPropertiesResponse } from '@azure/storage-blob';
import type { CopyStatus, RestorePointTarget } from '../../ports/RestorePointStore';
import type { CompletedApply } from './incrementalBaseState';
import { encodeJsonMetadata } from './jsonMetadata';
import type { BaseOwner } from './RestoreBases';
import type { RestorePointCatalog } from './RestorePointCatalog';
import { newPointMetadata, PointMetadata } from './restorePointMetadata';
import { isPointOf, parseRestorePointName } from './restorePointName';
import { isAlreadyExists } from './storageErrors';

/** What a pointer adds to the point metadata. */
export const PointerMetadata = {
  /** The base blob's snapshot holding the point's content. */
  baseSnapshot: 'basesnapshot',
  /** The primary snapshot the base held before this point (JSON), released once the point is verified. */
  previous: 'previous',
} as const;

/** A pointer is written only once its content is complete: it is copied, or verified. */
export function pointerStatus(pointer: BlobGetPropertiesResponse): CopyStatus {
  return pointer.metadata?.[PointMetadata.verified] === 'true' ? { state: 'verified' } : { state: 'copied' };
}

/** Writes the pointer of a completed apply once: an existing pointer is left as it is. */
export async function writePointer(
  catalog: RestorePointCatalog,
  region: string,
  owner: BaseOwner,
  last: CompletedApply,
): Promise<CopyStatus> {
  const parsed = parseRestorePointName(last.point);
  // A base only ever records its own device's points: anything else is never written as a pointer.
  if (!parsed || !isPointOf(last.point, owner.tenantId, owner.deviceId))
    throw new Error(`Recorded point name "${last.point}" is not a restore point of this base's device`);
  const target: RestorePointTarget = {
    region,
    tenantId: owner.tenantId,
    deviceId: owner.deviceId,
    takenAt: parsed.takenAt,
    kind: last.kind,
  };
  const metadata = {
    ...newPointMetadata(last.snapshot, target),
    [PointerMetadata.baseSnapshot]: last.baseSnapshot,
    ...(last.from ? { [PointerMetadata.previous]: encodeJsonMetadata(last.from) } : {}),
  };
  const container = await catalog.ensureContainer(region);
  try {
    await container
      .getBlockBlobClient(last.point)
      .upload('', 0, { metadata, conditions: { ifNoneMatch: '*' } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  return { state: 'copied' };
}
