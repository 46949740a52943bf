/**
 * What a CopyStart copy's own resource says: whether it is done, and whether it is this source's
 * whole copy. Never the long-running operation's outcome, which succeeds before the data has moved.
 */
import type { Snapshot } from '@azure/arm-compute';
import { armIdsEqual } from '../../domain/armId';
import type { DiskSnapshot } from '../../domain/disk';
import { usesCustomerManagedKey } from '../../domain/managedDisk';
import type { CopyStatus } from '../../ports/RestorePointStore';

/** The snapshot's own progress and state: copied only at 100 % with provisioningState Succeeded. */
export function copyStateOf(copy: Snapshot): CopyStatus {
  if (copy.copyCompletionError)
    return {
      state: 'failed',
      reason: `copy failed: ${copy.copyCompletionError.errorCode}: ${copy.copyCompletionError.errorMessage}`,
    };
  if (copy.provisioningState === 'Failed')
    return { state: 'failed', reason: 'the copy snapshot failed to provision' };
  if (copy.provisioningState === 'Succeeded' && copy.completionPercent === 100) return { state: 'copied' };
  return { state: 'pending' };
}

/** Why the copy is not this source's, whole and of the same kind; undefined when it is. */
export function chainProblem(snapshot: DiskSnapshot, source: Snapshot, copy: Snapshot): string | undefined {
  const state = copyStateOf(copy);
  if (state.state !== 'copied')
    return `the copy is not complete (${copy.completionPercent ?? 0} %, ${copy.provisioningState ?? 'unknown'})`;
  if (
    copy.creationData?.createOption !== 'CopyStart' ||
    !armIdsEqual(copy.creationData.sourceResourceId ?? '', source.id ?? '')
  )
    return `the copy was not made from ${snapshot.snapshotId}`;
  if (!copy.incremental || !source.incremental)
    return 'the copy or its source is not an incremental snapshot';
  if (
    snapshot.disk.kind === 'managedDisk' &&
    !armIdsEqual(source.creationData?.sourceResourceId ?? '', snapshot.disk.armId)
  )
    return `the source snapshot is not of disk ${snapshot.disk.armId}`;
  const sourceSize = source.diskSizeBytes ?? source.diskSizeGB;
  const copySize = copy.diskSizeBytes ?? copy.diskSizeGB;
  if (sourceSize === undefined || sourceSize !== copySize)
    return `the copy's size (${copySize ?? 'unknown'}) differs from the source's (${sourceSize ?? 'unknown'})`;
  // Never offered if the copy lost its source's customer-managed key (a copy with platform keys
  // would hand the customer's data to keys the customer does not hold).
  if (usesCustomerManagedKey(source.encryption) && !usesCustomerManagedKey(copy.encryption))
    return `the copy is not encrypted with a customer-managed key (${copy.encryption?.type ?? 'unknown'}) as its source is`;
  const securityType = (s: Snapshot) => s.securityProfile?.securityType ?? 'Standard';
  if (securityType(source) !== securityType(copy))
    return `the copy's security type (${securityType(copy)}) differs from the source's (${securityType(source)})`;
  return undefined;
}
