/**
 * Which bytes verification reads on both sides. Reading a whole disk image twice per restore point
 * would cost more than the copy, so beyond a small size only samples are compared (after the
 * lengths and page ranges, which cover the rest cheaply).
 */
import type { ByteRange } from '../../domain/byteRanges';
import { rangeBytes } from './readPageRanges';

const mebibyte = 1024 * 1024;

export interface SamplingOptions {
  /** Up to this size the whole content is compared. */
  wholeContentLimitBytes?: number;
  sampleBytes?: number;
  /** Samples between the first and the last. */
  interiorSamples?: number;
}

export const defaultSampling: Required<SamplingOptions> = {
  wholeContentLimitBytes: 4 * mebibyte,
  sampleBytes: mebibyte,
  interiorSamples: 6,
};

/**
 * The whole content up to 4 MiB. Beyond: the first and the last 1 MiB (a VHD's partition table and
 * its footer) and 6 ranges of 1 MiB evenly spaced over the *written* pages, not over the whole
 * size: a disk image is mostly never-written zeros, and samples there would prove nothing that the
 * page-range comparison has not. Deterministic in (size, written ranges), so verifying the same
 * content again gives the same hash. Sorted, merged, 512-byte aligned.
 */
export function sampleRanges(
  sizeBytes: number,
  written: readonly ByteRange[],
  options: SamplingOptions = {},
): ByteRange[] {
  const { wholeContentLimitBytes, sampleBytes, interiorSamples } = { ...defaultSampling, ...options };
  if (sizeBytes <= 0) return [];
  if (sizeBytes <= wholeContentLimitBytes) return [{ start: 0, end: sizeBytes - 1 }];

  const starts = [0, sizeBytes - sampleBytes];
  const writtenBytes = rangeBytes(written);
  for (let i = 1; i <= interiorSamples; i++) {
    const fraction = i / (interiorSamples + 1);
    starts.push(
      writtenBytes > 0
        ? offsetOfWrittenByte(written, Math.floor(writtenBytes * fraction))
        : Math.floor(sizeBytes * fraction),
    );
  }
  const samples = starts.map((start) => {
    const aligned = Math.min(Math.max(0, start - (start % 512)), sizeBytes - sampleBytes);
    return { start: aligned, end: aligned + sampleBytes - 1 };
  });
  samples.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const sample of samples) {
    const last = merged[merged.length - 1];
    if (last && sample.start <= last.end + 1) last.end = Math.max(last.end, sample.end);
    else merged.push(sample);
  }
  return merged;
}

/** The absolute offset of the n-th written byte (0-based), counting through the ranges in order. */
function offsetOfWrittenByte(written: readonly ByteRange[], n: number): number {
  let remaining = n;
  for (const range of written) {
    const length = range.end - range.start + 1;
    if (remaining < length) return range.start + remaining;
    remaining -= length;
  }
  return written[written.length - 1]?.end ?? 0;
}
