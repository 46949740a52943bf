/** A page blob's (or snapshot's) valid page ranges, every page of the listing, merged. */
import type { PageBlobClient } from '@azure/storage-blob';
import { mergeRanges, type ByteRange } from '../../domain/byteRanges';

export async function readPageRanges(blob: PageBlobClient): Promise<ByteRange[]> {
  const ranges: ByteRange[] = [];
  for await (const range of blob.listPageRanges()) ranges.push({ start: range.start, end: range.end });
  return mergeRanges(ranges);
}

export function rangeBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, range) => sum + range.end - range.start + 1, 0);
}
