/**
 * Compares a copy of a disk image with its source snapshot: length, valid page ranges, then the
 * MD5 of sampled ranges (see `sampleRanges`). Reports the first difference by name.
 */
import type { PageBlobClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import type { ByteRange } from '../../domain/byteRanges';
import type { VerifyResult } from '../../ports/RestorePointStore';
import { propertiesIfExists } from './blobIfExists';
import { rangeBytes, readPageRanges } from './readPageRanges';
import { sampleRanges, type SamplingOptions } from './sampleRanges';

/**
 * `hash` is the base64 MD5 of the copy's sampled bytes in offset order: of the whole content for an
 * image up to 4 MiB.
 */
export async function comparePageBlobs(
  source: PageBlobClient,
  copy: PageBlobClient,
  sampling?: SamplingOptions,
): Promise<VerifyResult> {
  const [sourceSize, copySize] = await Promise.all([sizeOf(source), sizeOf(copy)]);
  if (sourceSize === undefined) return { ok: false, reason: 'the source snapshot no longer exists' };
  if (copySize === undefined) return { ok: false, reason: 'the copy does not exist' };
  if (sourceSize !== copySize)
    return { ok: false, reason: `length differs: source ${sourceSize} bytes, copy ${copySize} bytes` };

  const [sourceRanges, copyRanges] = await Promise.all([readPageRanges(source), readPageRanges(copy)]);
  const rangeDifference = firstDifference(sourceRanges, copyRanges);
  if (rangeDifference !== undefined) {
    return {
      ok: false,
      reason:
        `page ranges differ: source has ${sourceRanges.length} ranges (${rangeBytes(sourceRanges)} bytes written), ` +
        `copy has ${copyRanges.length} (${rangeBytes(copyRanges)} bytes written); first difference at byte ${rangeDifference}`,
    };
  }

  const hash = createHash('md5');
  // One sample at a time (both sides at once): at most 2 × 1 MiB in memory, and 4 MiB for a small image.
  for (const sample of sampleRanges(sourceSize, sourceRanges, sampling)) {
    const count = sample.end - sample.start + 1;
    const [sourceBytes, copyBytes] = await Promise.all([
      source.downloadToBuffer(sample.start, count),
      copy.downloadToBuffer(sample.start, count),
    ]);
    // Equal bytes are equal MD5s; comparing the bytes themselves also rules out a collision.
    if (!sourceBytes.equals(copyBytes)) {
      return { ok: false, reason: `content differs in bytes ${sample.start}–${sample.end}` };
    }
    hash.update(copyBytes);
  }
  return { ok: true, hash: hash.digest('base64') };
}

async function sizeOf(blob: PageBlobClient): Promise<number | undefined> {
  const properties = await propertiesIfExists(blob);
  return properties ? (properties.contentLength ?? 0) : undefined;
}

/** The lowest byte offset covered by one list of merged ranges and not the other. */
function firstDifference(a: readonly ByteRange[], b: readonly ByteRange[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x) return y?.start;
    if (!y) return x.start;
    if (x.start !== y.start) return Math.min(x.start, y.start);
    if (x.end !== y.end) return Math.min(x.end, y.end) + 1;
  }
  return undefined;
}
