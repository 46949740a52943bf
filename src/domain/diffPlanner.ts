/**
 * Plans an incremental page-blob copy from a page-range diff (Get Page Ranges Diff): which byte
 * ranges of the backup blob to clear and which to copy from the source snapshot.
 */

/** A byte range with an inclusive end, as Get Page Ranges returns them. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PageDiff {
  /** Pages written since the previous snapshot (`PageRange`). */
  changed: readonly ByteRange[];
  /** Pages cleared since the previous snapshot (`ClearRange`). */
  cleared: readonly ByteRange[];
}

/** One request against the target blob: `count` bytes from `offset`. */
export type PageOperation = { kind: 'copy' | 'clear'; offset: number; count: number };

export interface PlanOptions {
  /** Largest copy request in bytes; a positive multiple of 512. Defaults to 4 MiB, Put Page From URL's limit. */
  maxCopyBytes?: number;
}

export const pageBytes = 512;
export const defaultMaxCopyBytes = 4 * 1024 * 1024;

/**
 * The operations that bring the target up to date: clears first, then copies, each sorted by offset.
 * Ranges of each kind are merged when they overlap or touch, so the plan makes the fewest requests;
 * a page both changed and cleared is copied (it was cleared, then written again), and copies are
 * split at `maxCopyBytes`. Clears are not split: clearing pages sends no body and has no size limit.
 * The two kinds never overlap, so the order between them does not matter for correctness.
 */
export function planPageCopy(diff: PageDiff, options: PlanOptions = {}): PageOperation[] {
  const maxCopyBytes = options.maxCopyBytes ?? defaultMaxCopyBytes;
  if (!Number.isSafeInteger(maxCopyBytes) || maxCopyBytes <= 0 || maxCopyBytes % pageBytes !== 0) {
    throw new RangeError(`maxCopyBytes must be a positive multiple of ${pageBytes}, got ${maxCopyBytes}`);
  }
  diff.changed.forEach((range) => assertAligned(range, 'changed'));
  diff.cleared.forEach((range) => assertAligned(range, 'cleared'));

  const changed = mergeRanges(diff.changed);
  const cleared = subtractRanges(mergeRanges(diff.cleared), changed);

  const clears: PageOperation[] = cleared.map((range) => ({
    kind: 'clear',
    offset: range.start,
    count: range.end - range.start + 1,
  }));
  const copies: PageOperation[] = [];
  for (const range of changed) {
    for (let offset = range.start; offset <= range.end; offset += maxCopyBytes) {
      copies.push({ kind: 'copy', offset, count: Math.min(maxCopyBytes, range.end + 1 - offset) });
    }
  }
  return [...clears, ...copies];
}

/** Bytes the operations cover, of one kind or of both: for callers' logs and metrics. */
export function totalBytes(ops: readonly PageOperation[], kind?: PageOperation['kind']): number {
  return ops.reduce((sum, op) => (kind === undefined || op.kind === kind ? sum + op.count : sum), 0);
}

function assertAligned(range: ByteRange, list: string): void {
  const { start, end } = range;
  const valid =
    Number.isSafeInteger(start) &&
    Number.isSafeInteger(end) &&
    start >= 0 &&
    start <= end &&
    start % pageBytes === 0 &&
    (end + 1) % pageBytes === 0;
  if (!valid)
    throw new RangeError(
      `${list} range { start: ${start}, end: ${end} } is not ${pageBytes}-byte page aligned with start ≤ end`,
    );
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

/** `from` minus `remove`; both sorted and merged. Page-aligned inputs give page-aligned pieces. */
function subtractRanges(from: readonly ByteRange[], remove: readonly ByteRange[]): ByteRange[] {
  const result: ByteRange[] = [];
  let r = 0;
  for (const range of from) {
    let start = range.start;
    // Skip removals wholly before this range; they are before every later range too.
    while ((remove[r]?.end ?? Number.POSITIVE_INFINITY) < start) r++;
    let i = r;
    while (start <= range.end) {
      const cut = remove[i];
      if (!cut || cut.start > range.end) {
        result.push({ start, end: range.end });
        break;
      }
      if (cut.start > start) result.push({ start, end: cut.start - 1 });
      start = Math.max(start, cut.end + 1);
      i++;
    }
  }
  return result;
}
