/**
 * Stand-ins for the two calls of the incremental store that Azurite 3.35 lacks, so that the rest of
 * the store (planning, applying, snapshotting the base, pointers, listing) runs for real against it:
 * Get Page Ranges Diff (Azurite ignores `prevsnapshot`) and Put Page From URL (501).
 */
import { BlobClient, type PageBlobClient } from '@azure/storage-blob';
import type { PageCopier } from '../../../src/adapters/blob/copyPagesFromUrl';
import type { PageDiffReader } from '../../../src/adapters/blob/readPageDiff';
import { readPageRanges } from '../../../src/adapters/blob/readPageRanges';
import type { ByteRange } from '../../../src/domain/diffPlanner';

const page = 512;

/**
 * The diff by content: pages valid now that were not valid before or hold other bytes, and pages
 * valid before that are not any more. The service reports pages *written* since the previous
 * snapshot, a superset of this; both bring the base to the same content.
 */
export const contentDiff: PageDiffReader = async (snapshot, previousSnapshotId, sizeBytes) => {
  const previous = snapshot.withSnapshot(previousSnapshotId);
  if (!(await previous.exists())) return undefined;
  const [now, before, nowRanges, beforeRanges] = await Promise.all([
    snapshot.downloadToBuffer(),
    previous.downloadToBuffer(),
    readPageRanges(snapshot),
    readPageRanges(previous),
  ]);
  const changed: ByteRange[] = [];
  const cleared: ByteRange[] = [];
  for (let offset = 0; offset < sizeBytes; offset += page) {
    const validNow = covers(nowRanges, offset);
    const validBefore = offset < before.length && covers(beforeRanges, offset);
    const differs = !now.subarray(offset, offset + page).equals(before.subarray(offset, offset + page));
    if (validNow && (!validBefore || differs)) append(changed, offset);
    else if (!validNow && validBefore) append(cleared, offset);
  }
  return { changed, cleared };
};

export interface RecordingCopier {
  copier: PageCopier;
  /** Every range copied, in order. */
  copied: { offset: number; count: number }[];
}

/**
 * Copies through this process: reads the range with the SAS URL alone (as the service would) and
 * writes it with Put Page, under the same If-Match the real copier sends.
 */
export function recordingCopier(
  /** Runs between reading and writing each range: may alter the bytes, or act as another writer. */
  hook?: (range: { offset: number; count: number }, bytes: Buffer) => void | Promise<void>,
): RecordingCopier {
  const copied: { offset: number; count: number }[] = [];
  const copier: PageCopier = async (target: PageBlobClient, sourceUrl, range, ifMatch) => {
    const bytes = await new BlobClient(sourceUrl).downloadToBuffer(range.offset, range.count);
    await hook?.(range, bytes);
    const response = await target.uploadPages(bytes, range.offset, range.count, { conditions: { ifMatch } });
    copied.push({ ...range });
    return response.etag!;
  };
  return { copier, copied };
}

function covers(ranges: readonly ByteRange[], offset: number): boolean {
  return ranges.some((range) => offset >= range.start && offset <= range.end);
}

function append(ranges: ByteRange[], offset: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last.end + 1 === offset) last.end = offset + page - 1;
  else ranges.push({ start: offset, end: offset + page - 1 });
}
