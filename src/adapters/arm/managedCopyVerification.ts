/**
 * Verifying a managed-disk point before it is offered for recovery: its copy at 100 % and
 * succeeded, its size, security type and chain (an incremental copy of this very source, itself an
 * incremental snapshot of the device's disk) equal the source's; on a sample of points the content
 * is compared as well, and a mismatch marks the point unusable.
 */
import { createHash } from 'node:crypto';
import type { DiskSnapshot } from '../../domain/disk';
import type { RestorePointTarget, VerifyResult } from '../../ports/RestorePointStore';
import { PointMetadata } from '../blob/restorePointMetadata';
import { chainProblem } from './copyChecks';
import type { ManagedStoreContext } from './managedStoreContext';
import { sampleContent } from './sampleContent';

export async function verifyManagedCopy(
  ctx: ManagedStoreContext,
  snapshot: DiskSnapshot,
  target: RestorePointTarget,
): Promise<VerifyResult> {
  const { catalog, snapshots, options } = ctx;
  const name = catalog.nameOf(target);
  const read = await catalog.read(target.region, name);
  const metadata = read?.metadata ?? {};
  const targetId = metadata[PointMetadata.targetSnapshot];
  if (!read || !targetId) return { ok: false, reason: `restore point ${name} has no copy recorded` };
  const [source, copy] = await Promise.all([snapshots.get(snapshot.snapshotId), snapshots.get(targetId)]);
  if (!copy) return { ok: false, reason: `the copy ${targetId} does not exist` };
  if (!source) return { ok: false, reason: `the source snapshot ${snapshot.snapshotId} does not exist` };
  const problem = chainProblem(snapshot, source, copy);
  if (problem) return { ok: false, reason: problem };

  const digest = createHash('sha256')
    .update(targetId.toLowerCase())
    .update(String(copy.diskSizeBytes ?? copy.diskSizeGB ?? 0));
  const sampled = await sampleContent(
    { snapshots, readRange: ctx.readRange, events: ctx.events },
    { source, copy, name, target },
    {
      every: target.contentSampleEvery ?? options.contentSampleEvery,
      ranges: options.sampleRanges,
      bytes: options.sampleBytes,
      sasDurationInSeconds: options.sasDurationInSeconds,
    },
  );
  if (sampled.compared && !sampled.ok) {
    await catalog.patchMetadata(
      target.region,
      name,
      metadata,
      { [PointMetadata.unusable]: sampled.reason },
      read.etag!,
    );
    ctx.events.emit('restore-point.unusable', {
      tenantId: target.tenantId,
      deviceId: target.deviceId,
      takenAt: target.takenAt.toISOString(),
      snapshot: targetId,
      reason: sampled.reason,
    });
    return { ok: false, reason: sampled.reason };
  }
  if (sampled.compared) digest.update(sampled.hash);
  const note = 'note' in sampled ? sampled.note : undefined;
  const hash = digest.digest('base64');
  const withNote = note
    ? { ...read, metadata: { ...metadata, [PointMetadata.verificationNote]: note } }
    : read;
  if (!(await catalog.stampChecked(target.region, name, withNote, hash)))
    return { ok: false, reason: `restore point ${name} changed while it was verified` };
  return { ok: true, hash };
}
