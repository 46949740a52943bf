import { describe, expect, it } from 'vitest';
import {
  defaultMaxCopyBytes,
  planPageCopy,
  totalBytes,
  type ByteRange,
  type PageOperation,
} from '../../src/domain/diffPlanner';

const KiB = 1024;
const MiB = 1024 * KiB;
/** `pages` pages from page `page`, as an inclusive byte range. */
const pages = (page: number, count: number): ByteRange => ({
  start: page * 512,
  end: (page + count) * 512 - 1,
});
const copy = (offset: number, count: number): PageOperation => ({ kind: 'copy', offset, count });
const clear = (offset: number, count: number): PageOperation => ({ kind: 'clear', offset, count });

describe('planPageCopy', () => {
  it('plans nothing for an empty diff', () => {
    expect(planPageCopy({ changed: [], cleared: [] })).toEqual([]);
  });

  it('turns inclusive ranges into offset and count', () => {
    expect(
      planPageCopy({ changed: [{ start: 0, end: 511 }], cleared: [{ start: 1024, end: 2047 }] }),
    ).toEqual([clear(1024, 1024), copy(0, 512)]);
  });

  it('merges adjacent ranges of each kind', () => {
    const plan = planPageCopy({
      changed: [pages(2, 2), pages(0, 2), pages(4, 1)],
      cleared: [pages(10, 1), pages(11, 3)],
    });
    expect(plan).toEqual([clear(10 * 512, 4 * 512), copy(0, 5 * 512)]);
  });

  it('merges overlapping and contained ranges', () => {
    const plan = planPageCopy({
      changed: [pages(0, 4), pages(2, 4), pages(1, 1), pages(20, 2)],
      cleared: [],
    });
    expect(plan).toEqual([copy(0, 6 * 512), copy(20 * 512, 2 * 512)]);
  });

  it('keeps ranges separated by a gap apart', () => {
    expect(planPageCopy({ changed: [pages(0, 1), pages(2, 1)], cleared: [] })).toEqual([
      copy(0, 512),
      copy(1024, 512),
    ]);
  });

  it('splits a copy larger than one request exactly at the limit', () => {
    const range = { start: 8 * MiB, end: 8 * MiB + 10 * MiB + 1024 - 1 };
    expect(planPageCopy({ changed: [range], cleared: [] })).toEqual([
      copy(8 * MiB, 4 * MiB),
      copy(12 * MiB, 4 * MiB),
      copy(16 * MiB, 2 * MiB + 1024),
    ]);
    expect(planPageCopy({ changed: [{ start: 0, end: defaultMaxCopyBytes - 1 }], cleared: [] })).toEqual([
      copy(0, defaultMaxCopyBytes),
    ]);
    expect(planPageCopy({ changed: [{ start: 0, end: defaultMaxCopyBytes + 511 }], cleared: [] })).toEqual([
      copy(0, defaultMaxCopyBytes),
      copy(defaultMaxCopyBytes, 512),
    ]);
  });

  it('honours a smaller maxCopyBytes and splits after merging', () => {
    const plan = planPageCopy({ changed: [pages(0, 3), pages(3, 2)], cleared: [] }, { maxCopyBytes: 1024 });
    expect(plan).toEqual([copy(0, 1024), copy(1024, 1024), copy(2048, 512)]);
  });

  it('does not split clears', () => {
    expect(planPageCopy({ changed: [], cleared: [{ start: 0, end: 64 * MiB - 1 }] })).toEqual([
      clear(0, 64 * MiB),
    ]);
  });

  it('lets changed win over cleared where they overlap', () => {
    // cleared 0..9, changed 2..3 and 6..11: clears left are 0..1 and 4..5
    const plan = planPageCopy({ changed: [pages(6, 6), pages(2, 2)], cleared: [pages(0, 10)] });
    expect(plan).toEqual([clear(0, 1024), clear(4 * 512, 1024), copy(2 * 512, 1024), copy(6 * 512, 6 * 512)]);
  });

  it('drops a clear wholly inside changed ranges', () => {
    expect(planPageCopy({ changed: [pages(0, 3), pages(3, 3)], cleared: [pages(1, 4)] })).toEqual([
      copy(0, 6 * 512),
    ]);
  });

  it('subtracts changed ranges spanning several clears', () => {
    const plan = planPageCopy({
      changed: [pages(3, 10)],
      cleared: [pages(0, 4), pages(6, 2), pages(12, 4), pages(20, 1)],
    });
    expect(plan).toEqual([
      clear(0, 3 * 512),
      clear(13 * 512, 3 * 512),
      clear(20 * 512, 512),
      copy(3 * 512, 10 * 512),
    ]);
  });

  it.each([
    ['start not aligned', { start: 1, end: 511 }],
    ['end not aligned', { start: 0, end: 512 }],
    ['end exclusive by mistake', { start: 0, end: 1024 }],
    ['start after end', { start: 1024, end: 511 }],
    ['negative start', { start: -512, end: 511 }],
    ['fractional', { start: 0.5, end: 511 }],
  ])('rejects a misaligned range: %s', (_name, range) => {
    expect(() => planPageCopy({ changed: [range], cleared: [] })).toThrow(RangeError);
    expect(() => planPageCopy({ changed: [], cleared: [range] })).toThrow(RangeError);
  });

  it('names the bad range in the error', () => {
    expect(() => planPageCopy({ changed: [pages(0, 1)], cleared: [{ start: 512, end: 1000 }] })).toThrow(
      /cleared range \{ start: 512, end: 1000 \}/,
    );
  });

  it.each([0, -512, 1000, 512.5, Number.NaN])('rejects maxCopyBytes %s', (maxCopyBytes) => {
    expect(() => planPageCopy({ changed: [], cleared: [] }, { maxCopyBytes })).toThrow(RangeError);
  });

  it('handles many small ranges: same bytes, sorted, merged, each within the limit', () => {
    // Every third page and every seventh-plus-one changed (runs of 1–3 pages), every fifth cleared,
    // changed given in reverse order, over 8 MiB.
    const pageCount = (8 * MiB) / 512;
    const changed: ByteRange[] = [];
    const cleared: ByteRange[] = [];
    for (let p = 0; p < pageCount; p++) {
      if (p % 3 === 0 || p % 7 === 1) changed.push(pages(p, 1));
      if (p % 5 === 0) cleared.push(pages(p, 1));
    }
    changed.reverse();
    const maxCopyBytes = 2048;
    const plan = planPageCopy({ changed, cleared }, { maxCopyBytes });

    const changedPages = new Set(changed.map((r) => r.start / 512));
    const expectedCleared = cleared.map((r) => r.start / 512).filter((p) => !changedPages.has(p));
    const pagesOf = (kind: PageOperation['kind']): number[] =>
      plan
        .filter((op) => op.kind === kind)
        .flatMap((op) => Array.from({ length: op.count / 512 }, (_, i) => op.offset / 512 + i));

    expect(pagesOf('copy')).toEqual([...changedPages].sort((a, b) => a - b));
    expect(pagesOf('clear')).toEqual(expectedCleared);
    expect(totalBytes(plan, 'copy')).toBe(changedPages.size * 512);
    expect(totalBytes(plan, 'clear')).toBe(expectedCleared.length * 512);

    const kinds = plan.map((op) => op.kind);
    expect(kinds.indexOf('copy')).toBe(kinds.lastIndexOf('clear') + 1);
    for (const kind of ['copy', 'clear'] as const) {
      const ops = plan.filter((op) => op.kind === kind);
      for (let i = 1; i < ops.length; i++) {
        // sorted, and no two touching (they would have been merged)
        expect(ops[i]!.offset).toBeGreaterThan(
          ops[i - 1]!.offset + ops[i - 1]!.count - (kind === 'copy' ? 1 : 0),
        );
      }
    }
    for (const op of plan) if (op.kind === 'copy') expect(op.count).toBeLessThanOrEqual(maxCopyBytes);
  });
});

describe('totalBytes', () => {
  it('sums counts, of one kind or all', () => {
    const ops = [clear(0, 1024), copy(1024, 512), copy(4096, 2048)];
    expect(totalBytes(ops)).toBe(3584);
    expect(totalBytes(ops, 'copy')).toBe(2560);
    expect(totalBytes(ops, 'clear')).toBe(1024);
    expect(totalBytes([])).toBe(0);
  });
});
