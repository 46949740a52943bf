/** The pages of a snapshot that changed since an older snapshot of the same page blob. */
import type { PageBlobClient } from '@azure/storage-blob';
import type { ByteRange, PageDiff } from '../../domain/diffPlanner';
import { errorCodeOf, isNotFound } from './storageErrors';

/**
 * Undefined when the previous snapshot cannot serve as the base of a diff (deleted, newer, or of
 * another blob): the caller then copies every valid page instead.
 */
export type PageDiffReader = (
  snapshot: PageBlobClient,
  previousSnapshotId: string,
  sizeBytes: number,
) => Promise<PageDiff | undefined>;

/**
 * Get Page Ranges Diff (`prevsnapshot`), every page of it. Azurite 3.35 does not implement it but
 * does not refuse it either: it ignores `prevsnapshot` and answers with every valid range and no
 * cleared ones, which would leave cleared pages stale in the backup. Use it against Azure only.
 */
export const readPageDiff: PageDiffReader = async (snapshot, previousSnapshotId, sizeBytes) => {
  const changed: ByteRange[] = [];
  const cleared: ByteRange[] = [];
  if (sizeBytes === 0) return { changed, cleared };
  try {
    for await (const range of snapshot.listPageRangesDiff(0, sizeBytes, previousSnapshotId)) {
      (range.isClear ? cleared : changed).push({ start: range.start, end: range.end });
    }
  } catch (err) {
    // PreviousSnapshotNotFound, PreviousSnapshotCannotBeNewer, PreviousSnapshotOperationNotSupported...
    if (isNotFound(err) || errorCodeOf(err)?.startsWith('PreviousSnapshot')) return undefined;
    throw err;
  }
  return { changed, cleared };
};
