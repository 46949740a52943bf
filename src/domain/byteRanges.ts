/** Byte ranges of a page blob, as Get Page Ranges returns them, and how to compare two listings. */

/** A byte range with an inclusive end. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Sorted, with overlapping and adjacent ranges joined: the service may split the same written
 * bytes into different ranges on two blobs (a copy, a snapshot), so ranges are compared merged.
 */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}
