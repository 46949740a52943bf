import { describe, expect, it } from 'vitest';
import { sampleRanges } from '../../../src/adapters/blob/sampleRanges';

const MiB = 1024 * 1024;

describe('sampleRanges', () => {
  it('takes the whole content up to 4 MiB, and nothing of an empty blob', () => {
    expect(sampleRanges(0, [])).toEqual([]);
    expect(sampleRanges(64 * 1024, [])).toEqual([{ start: 0, end: 64 * 1024 - 1 }]);
    expect(sampleRanges(4 * MiB, [{ start: 0, end: 511 }])).toEqual([{ start: 0, end: 4 * MiB - 1 }]);
  });

  it('beyond 4 MiB takes the first and last MiB and six more spread over the written pages', () => {
    const size = 1024 * MiB;
    const written = [
      { start: 100 * MiB, end: 110 * MiB - 1 },
      { start: 500 * MiB, end: 510 * MiB - 1 },
    ];
    const samples = sampleRanges(size, written);
    expect(samples[0]).toEqual({ start: 0, end: MiB - 1 });
    expect(samples[samples.length - 1]).toEqual({ start: size - MiB, end: size - 1 });
    const interior = samples.slice(1, -1);
    expect(interior.length).toBeGreaterThanOrEqual(2);
    // Every interior sample starts inside written data, none in the never-written zeros.
    for (const sample of interior) {
      expect(written.some((range) => sample.start >= range.start && sample.start <= range.end)).toBe(true);
      expect(sample.start % 512).toBe(0);
    }
    expect(interior.reduce((sum, s) => sum + s.end - s.start + 1, 0)).toBeLessThanOrEqual(6 * MiB);
  });

  it('spreads over the whole size when nothing is written, merges overlaps and stays inside the blob', () => {
    const samples = sampleRanges(5 * MiB, []);
    expect(samples[0]!.start).toBe(0);
    expect(samples[samples.length - 1]!.end).toBe(5 * MiB - 1);
    for (let i = 1; i < samples.length; i++)
      expect(samples[i]!.start).toBeGreaterThan(samples[i - 1]!.end + 1);
  });

  it('is deterministic: the same size and ranges give the same samples', () => {
    const written = [{ start: 8 * MiB, end: 40 * MiB - 1 }];
    expect(sampleRanges(64 * MiB, written)).toEqual(sampleRanges(64 * MiB, written));
  });
});
