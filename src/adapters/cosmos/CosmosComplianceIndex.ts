/**
 * The compliance index in Cosmos DB: each device's last verified point and announced state, and
 * the per-policy histogram of last verified minutes that the report reads instead of the devices.
 * A device moves between histogram keys in the same batch that changes it.
 */
import type { OperationInput, SqlQuerySpec } from '@azure/cosmos';
import {
  bucketMs,
  bucketStartMs,
  compactAfterMs,
  compactableKeys,
  histogramKey,
  oldAfterMs,
  type HistogramPolicy,
} from '../../domain/complianceHistogram';
import type { AnnouncedCompliance, Device } from '../../domain/device';
import { ConflictError } from '../../domain/errors';
import {
  complianceStatuses,
  dueAnnouncement,
  nextAnnouncementAtMs,
  rpoMs,
  type ComplianceStatus,
} from '../../domain/rpo';
import type { ComplianceIndex, ComplianceTransition, PolicyHistogram } from '../../ports/ComplianceIndex';
import { patchOperation, runBatch } from './cosmosBatch';
import {
  keyOf,
  lastVerifiedIs,
  lastVerifiedMs,
  toDevice,
  type DeviceDocument,
  type HistogramDocument,
} from './deviceDocument';
import type { DevicePartition } from './DevicePartition';
import { compactionQuery, histogramsQuery, regionCountQuery, transitionsQuery } from './deviceQueries';
import { statusOf } from './statusOf';

/**
 * How often at most the compactor looks at one histogram document. A writer names a minute key at
 * most `oldAfterMs` old (older devices count under 'old'), and a key becomes compactable only
 * `compactAfterMs` after its minute: so a key written after the compactor looked cannot be
 * compactable within this long, and looking sooner would find nothing new.
 */
export const compactEveryMs = compactAfterMs - oldAfterMs;

export class CosmosComplianceIndex implements ComplianceIndex {
  constructor(private readonly partition: DevicePartition) {}

  private get container() {
    return this.partition.container;
  }

  async recordVerified(device: Device, point: { takenAt: Date; name: string }, now: Date): Promise<Device> {
    const takenAtMs = point.takenAt.getTime();
    const histogram = this.partition.histogramId(device.policyId, device.id);
    await this.partition.ensureHistogram(device.tenantId, device.policyId, histogram);
    let current: Device | undefined = device;
    for (let attempt = 0; attempt < 5 && current; attempt += 1) {
      if (attempt > 0 && current.policyId !== device.policyId) break;
      const previousMs = lastVerifiedMs(current) ?? undefined;
      // Forward only: a late worker for an older slot must not move the device back in time.
      if (previousMs !== undefined && previousMs >= takenAtMs) return current;
      const from = keyOf(current, now);
      const to = histogramKey({ licensed: current.licensed, lastVerifiedAt: point.takenAt }, now);
      const rpo = rpoMs(current.protection.rpoHours);
      const operations: OperationInput[] = [
        patchOperation(
          device.id,
          [
            { op: 'set', path: '/lastVerifiedAt', value: point.takenAt.toISOString() },
            { op: 'set', path: '/lastVerifiedAtMs', value: takenAtMs },
            { op: 'set', path: '/lastRestorePoint', value: point.name },
            { op: 'set', path: '/pending', value: null },
            { op: 'set', path: '/announced', value: 'protected' },
            { op: 'set', path: '/announceAtMs', value: nextAnnouncementAtMs(takenAtMs, rpo, 'protected') },
          ],
          // Exactly the state the histogram move and the announcement time were computed from;
          // else read again and recompute.
          `from c where ${lastVerifiedIs(previousMs ?? null)} AND c.rpoMs = ${rpo}`,
        ),
      ];
      if (from !== to) {
        operations.push(
          patchOperation(histogram, [
            { op: 'incr', path: `/buckets/${from}`, value: -1 },
            { op: 'incr', path: `/buckets/${to}`, value: 1 },
          ]),
        );
      }
      const outcome = await runBatch(this.container, device.tenantId, operations);
      if (outcome.ok) return toDevice(outcome.results[0]!.resourceBody as unknown as DeviceDocument);
      if (outcome.failedIndex !== undefined && outcome.failedIndex !== 0) {
        throw (
          outcome.error ??
          new Error(`Recording restore point ${point.name} failed with status ${outcome.failedStatus}`)
        );
      }
      current = await this.partition.get(device.tenantId, device.id);
    }
    if (!current) throw new ConflictError('device-removed', `Device ${device.id} was removed`);
    throw new ConflictError(
      'precondition-failed',
      `Device ${device.id} keeps changing; the restore point will be recorded on retry`,
    );
  }

  async complianceTransitions(now: Date, pageSize: number): Promise<ComplianceTransition[]> {
    const { resources } = await this.container.items
      .query<DeviceDocument>(transitionsQuery(now, pageSize))
      .fetchAll();
    const transitions: ComplianceTransition[] = [];
    for (const document of resources) {
      const to = dueAnnouncement(
        document.lastVerifiedAtMs,
        document.rpoMs,
        document.announced,
        now.getTime(),
      );
      if (to) transitions.push({ device: toDevice(document), to });
      // A time set early (a writer raced another): put right, so the next page does not find it again.
      else await this.setAnnounced(document.id, document.tenantId, document, document.announced);
    }
    return transitions;
  }

  async announce(device: Device, state: AnnouncedCompliance): Promise<void> {
    await this.setAnnounced(
      device.id,
      device.tenantId,
      { lastVerifiedAtMs: lastVerifiedMs(device), rpoMs: rpoMs(device.protection.rpoHours) },
      state,
    );
  }

  async histograms(tenantId: string): Promise<PolicyHistogram[]> {
    const { resources } = await this.container.items
      .query<HistogramDocument>(histogramsQuery(tenantId), { partitionKey: tenantId })
      .fetchAll();
    const byPolicy = new Map<string, Record<string, number>>();
    for (const document of resources) {
      const sum = byPolicy.get(document.policyId) ?? {};
      for (const [key, count] of Object.entries(document.buckets)) sum[key] = (sum[key] ?? 0) + count;
      byPolicy.set(document.policyId, sum);
    }
    return [...byPolicy].map(([policyId, buckets]) => ({ policyId, buckets }));
  }

  /**
   * Four or five counts in parallel, each from the composite index (type, primaryRegion, policyId,
   * licensed, lastVerifiedAtMs). The histogram classifies a device by the start of its minute, so
   * "at most one RPO old" is `lastVerifiedAtMs` at or after the first whole minute not older than
   * one RPO: the same devices, so these counts add up to the policy's histogram.
   */
  async statusCounts(
    tenantId: string,
    of: { policyId: string; primaryRegion: string },
    policy: HistogramPolicy,
    now: Date,
  ): Promise<Record<ComplianceStatus, number>> {
    const count = async (spec: SqlQuerySpec): Promise<number> => {
      const { resources } = await this.container.items
        .query<number>(spec, { partitionKey: tenantId })
        .fetchAll();
      return resources[0] ?? 0;
    };
    const counts = Object.fromEntries(complianceStatuses.map((s) => [s, 0])) as Record<
      ComplianceStatus,
      number
    >;
    const rpo = policy.rpoMs;
    const sinceMinute = (ageMs: number) => Math.ceil((now.getTime() - ageMs) / bucketMs) * bucketMs;
    const [all, unlicensed, never, fresh, notBreached] = await Promise.all([
      count(regionCountQuery(tenantId, of)),
      count(regionCountQuery(tenantId, of, false)),
      policy.enabled ? count(regionCountQuery(tenantId, of, true, 'never')) : 0,
      policy.enabled ? count(regionCountQuery(tenantId, of, true, { sinceMs: sinceMinute(rpo) })) : 0,
      policy.enabled ? count(regionCountQuery(tenantId, of, true, { sinceMs: sinceMinute(2 * rpo) })) : 0,
    ]);
    counts.unlicensed = unlicensed;
    if (!policy.enabled) {
      counts.disabled = all - unlicensed;
      return counts;
    }
    counts['not-yet-protected'] = never;
    counts.protected = fresh;
    counts['at-risk'] = notBreached - fresh;
    counts.breached = all - unlicensed - never - notBreached;
    return counts;
  }

  /** Looks only at this region's shards whose `compactAtMs` has come, and sets the next one. */
  async compactHistograms(now: Date): Promise<void> {
    const { resources } = await this.container.items
      .query<HistogramDocument>(compactionQuery(this.partition.region, now))
      .fetchAll();
    for (const document of resources) {
      const keys = compactableKeys(document.buckets, now);
      const buckets = { ...document.buckets };
      if (keys.length > 0) {
        let folded = 0;
        for (const key of keys) {
          folded += buckets[key] ?? 0;
          delete buckets[key];
        }
        buckets['old'] = (buckets['old'] ?? 0) + folded;
      }
      const { _etag, ...rest } = document;
      try {
        await this.container
          .item(document.id, document.tenantId)
          .replace(
            { ...rest, buckets, compactAtMs: nextCompactionAtMs(buckets, now.getTime()) },
            { accessCondition: { type: 'IfMatch', condition: _etag! } },
          );
      } catch (err) {
        // A worker moved a device meanwhile: still due, so the next run compacts this document.
        if (statusOf(err) !== 412) throw err;
      }
    }
  }

  /**
   * Records the announced state with its next announcement time, only while the last verified
   * point and the RPO are those the time was computed from: a device verified or re-planned
   * meanwhile was announced by that writer.
   */
  private async setAnnounced(
    id: string,
    tenantId: string,
    basis: { lastVerifiedAtMs: number | null; rpoMs: number },
    state: AnnouncedCompliance,
  ): Promise<void> {
    try {
      await this.container.item(id, tenantId).patch({
        operations: [
          { op: 'set', path: '/announced', value: state },
          {
            op: 'set',
            path: '/announceAtMs',
            value: nextAnnouncementAtMs(basis.lastVerifiedAtMs, basis.rpoMs, state),
          },
        ],
        condition: `from c where ${lastVerifiedIs(basis.lastVerifiedAtMs)} AND c.rpoMs = ${basis.rpoMs}`,
      });
    } catch (err) {
      if (statusOf(err) !== 412 && statusOf(err) !== 404) throw err;
    }
  }
}

/**
 * When the compactor should look at a histogram document again: when its oldest minute key becomes
 * compactable, and no sooner than `compactEveryMs` from now (a key written meanwhile cannot be due
 * before then; one due between the two waits for the later, costing a little document size).
 */
export function nextCompactionAtMs(buckets: Readonly<Record<string, number>>, nowMs: number): number {
  let oldestStart: number | undefined;
  for (const key of Object.keys(buckets)) {
    const start = bucketStartMs(key);
    if (start !== undefined && (oldestStart === undefined || start < oldestStart)) oldestStart = start;
  }
  const soonest = nowMs + compactEveryMs;
  // compactableKeys takes a key once now − (start + bucketMs − 1) > compactAfterMs.
  return oldestStart === undefined ? soonest : Math.max(soonest, oldestStart + bucketMs + compactAfterMs);
}
