import { describe, expect, it } from 'vitest';
import { mergeRanges } from '../../src/domain/byteRanges';

describe('mergeRanges', () => {
  it('returns nothing for no ranges', () => {
    expect(mergeRanges([])).toEqual([]);
  });

  it('sorts ranges given out of order', () => {
    expect(
      mergeRanges([
        { start: 2048, end: 2559 },
        { start: 0, end: 511 },
      ]),
    ).toEqual([
      { start: 0, end: 511 },
      { start: 2048, end: 2559 },
    ]);
  });

  it('joins adjacent, overlapping and contained ranges', () => {
    expect(
      mergeRanges([
        { start: 0, end: 511 },
        { start: 512, end: 1023 },
        { start: 800, end: 2047 },
        { start: 1024, end: 1535 },
      ]),
    ).toEqual([{ start: 0, end: 2047 }]);
  });

  it('keeps ranges separated by a gap apart', () => {
    expect(
      mergeRanges([
        { start: 0, end: 511 },
        { start: 1024, end: 1535 },
      ]),
    ).toEqual([
      { start: 0, end: 511 },
      { start: 1024, end: 1535 },
    ]);
  });

  it('gives the same ranges for the same bytes however the service split them', () => {
    const onSnapshot = [{ start: 0, end: 4095 }];
    const onCopy = [
      { start: 3072, end: 4095 },
      { start: 0, end: 1023 },
      { start: 1024, end: 3071 },
    ];
    expect(mergeRanges(onCopy)).toEqual(mergeRanges(onSnapshot));
  });

  it('leaves its input unchanged', () => {
    const input = [
      { start: 512, end: 1023 },
      { start: 0, end: 511 },
    ];
    const copy = structuredClone(input);
    mergeRanges(input);
    expect(input).toEqual(copy);
  });
});
