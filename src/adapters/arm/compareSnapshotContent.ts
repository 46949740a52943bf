/**
 * The sampled content check of a managed-disk point: the same ranges of the source snapshot and of
 * its copy, read through short-lived read-only SAS that are revoked as soon as the comparison ends
 * (a failed revoke is reported: the SAS still expires by itself).
 */
import type { Snapshot } from '@azure/arm-compute';
import { createHash } from 'node:crypto';
import type { EventLog } from '../../ports/EventLog';
import { armMessageOf } from './armErrors';
import type { ArmSnapshots } from './ArmSnapshots';
import type { SasRangeReader } from './readSasRange';

export interface ContentSample {
  /** Ranges read from each snapshot, and their size. */
  ranges: number;
  bytes: number;
  /** Lifetime of each SAS. */
  sasDurationInSeconds: number;
}

export async function compareSnapshotContent(
  snapshots: ArmSnapshots,
  readRange: SasRangeReader,
  events: EventLog,
  pair: { source: Snapshot; copy: Snapshot; name: string },
  sample: ContentSample,
): Promise<{ ok: true; hash: string } | { ok: false; reason: string }> {
  const { source, copy, name } = pair;
  const sizeBytes = copy.diskSizeBytes ?? (copy.diskSizeGB ?? 0) * 1024 ** 3;
  const granted: string[] = [];
  try {
    const [sourceUrl, copyUrl] = await Promise.all(
      [source.id!, copy.id!].map(async (id) => {
        const url = await snapshots.grantRead(id, sample.sasDurationInSeconds);
        granted.push(id);
        return url;
      }),
    );
    const digest = createHash('sha256');
    for (const offset of sampleOffsets(name, sizeBytes, sample.ranges, sample.bytes)) {
      const length = Math.min(sample.bytes, sizeBytes - offset);
      const [left, right] = await Promise.all([
        readRange(sourceUrl!, offset, length),
        readRange(copyUrl!, offset, length),
      ]);
      if (!left.equals(right))
        return { ok: false, reason: `content differs from the source at byte ${offset}` };
      digest.update(right);
    }
    return { ok: true, hash: digest.digest('base64') };
  } finally {
    await Promise.all(
      granted.map(async (id) => {
        try {
          await snapshots.revoke(id);
        } catch (err) {
          events.emit('restore-point.sas-revoke-failed', { snapshot: id, reason: armMessageOf(err) });
        }
      }),
    );
  }
}

/** `count` offsets spread over the disk, 512-aligned, shifted by the point's name so points differ. */
export function sampleOffsets(name: string, sizeBytes: number, count: number, bytes: number): number[] {
  if (sizeBytes <= 0) return [];
  const seed = createHash('sha256').update(name).digest();
  const span = Math.max(0, sizeBytes - bytes);
  const offsets = new Set<number>();
  for (let i = 0; i < count; i++) {
    const fraction = seed.readUInt32BE((i * 4) % 28) / 0x1_0000_0000;
    const raw = Math.floor(((i + fraction) / count) * span);
    offsets.add(raw - (raw % 512));
  }
  return [...offsets].sort((a, b) => a - b);
}
