/** A page blob's (or snapshot's) valid page ranges, every page of the listing, merged. */
import type { PageBlobClient } from '@azure/storage-blob';
import type { ByteRange } from '../../domain/diffPlanner';

export async function readPageRanges(blob: PageBlobClient): Promise<ByteRange[]> {
  const ranges: ByteRange[] = [];
  for await (const range of blob.listPageRanges()) ranges.push({ start: range.start, end: range.end });
  return mergeByteRanges(ranges);
}

/**
 * Sorted, with overlapping and touching ranges joined: the service may split the same written
 * bytes into different ranges on two blobs (a copy, a snapshot), so ranges are compared merged.
 */
export function mergeByteRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}

export function rangeBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, range) => sum + range.end - range.start + 1, 0);
}
