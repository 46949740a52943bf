/**
 * Whether a verified-by-ARM managed-disk point also has its content compared, and the outcome: 1
 * point in the policy's rate (its ARM calls, two grants and two revokes, go through the same paced
 * clients as the rest), said rather than skipped when the disk's network access policy forbids a
 * SAS.
 */
import type { Snapshot } from '@azure/arm-compute';
import { forbidsSas } from '../../domain/managedDisk';
import { contentSampled } from '../../domain/managedDiskPlacement';
import type { EventLog } from '../../ports/EventLog';
import type { RestorePointTarget } from '../../ports/RestorePointStore';
import type { ArmSnapshots } from './ArmSnapshots';
import { compareSnapshotContent, type ContentSample } from './compareSnapshotContent';
import type { SasRangeReader } from './readSasRange';

export type SampledContent =
  /** Not sampled this time: the point stands on its ARM checks. */
  | { compared: false }
  /** Sampled but not comparable (no SAS may be had): said in a note and an event. */
  | { compared: false; note: string }
  | { compared: true; ok: true; hash: string }
  | { compared: true; ok: false; reason: string };

export async function sampleContent(
  dependencies: { snapshots: ArmSnapshots; readRange: SasRangeReader; events: EventLog },
  pair: { source: Snapshot; copy: Snapshot; name: string; target: RestorePointTarget },
  sample: ContentSample & { every: number },
): Promise<SampledContent> {
  const { source, copy, name, target } = pair;
  if (!contentSampled(target.tenantId, target.deviceId, target.takenAt, sample.every))
    return { compared: false };
  if (forbidsSas(source.networkAccessPolicy) || forbidsSas(copy.networkAccessPolicy)) {
    const note = 'content not compared: the network access policy (DenyAll) forbids a SAS';
    dependencies.events.emit('restore-point.content-not-compared', {
      tenantId: target.tenantId,
      deviceId: target.deviceId,
      takenAt: target.takenAt.toISOString(),
      reason: note,
    });
    return { compared: false, note };
  }
  const compared = await compareSnapshotContent(
    dependencies.snapshots,
    dependencies.readRange,
    dependencies.events,
    { source, copy, name },
    sample,
  );
  return { compared: true, ...compared };
}
