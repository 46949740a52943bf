/**
 * Compliance counts without a scan. Each device sits in exactly one key of its policy's histogram
 * (by its last verified time, to the minute); status counts are derived at read time from the keys
 * and the clock, so they change as time passes without any document being written.
 *
 * Writers move a device between keys with a −1 on its old key and a +1 on its new one. Histograms
 * are sharded by writing region, so one shard may hold a device's +1 and another its −1: a key's
 * count in one shard may be negative, and only the sum over shards means anything.
 */
import { type ComplianceStatus, complianceStatuses, statusForAge } from './rpo';

/** Width of a minute bucket. */
export const bucketMs = 60_000;

/**
 * Older than twice the largest RPO (2 × 24 h) plus an hour: breached whatever the policy, so such
 * devices need no minute bucket and share one key.
 */
export const oldAfterMs = 49 * 3_600_000;

/**
 * Minute buckets whose every instant is older than this may be folded into 'old'. An hour past
 * `oldAfterMs`, so a writer that computed a device's key a little while ago (and so still names a
 * minute bucket for it) agrees with the compactor about where that device is.
 */
export const compactAfterMs = 50 * 3_600_000;

export type HistogramKey = 'unlicensed' | 'never' | 'old' | `m${number}`;

export interface HistogramKeyInput {
  licensed: boolean;
  lastVerifiedAt?: Date;
}

/** The one key a device counts under now. */
export function histogramKey(input: HistogramKeyInput, now: Date): HistogramKey {
  if (!input.licensed) return 'unlicensed';
  if (input.lastVerifiedAt === undefined) return 'never';
  const verifiedMs = timeOf(input.lastVerifiedAt, 'lastVerifiedAt');
  if (timeOf(now, 'now') - verifiedMs > oldAfterMs) return 'old';
  return `m${Math.floor(verifiedMs / bucketMs)}`;
}

/** The start of a minute key's bucket in epoch ms, or undefined for the other keys. */
export function bucketStartMs(key: string): number | undefined {
  if (!/^m(0|-?[1-9]\d*)$/.test(key)) return undefined;
  const minute = Number(key.slice(1));
  return Number.isSafeInteger(minute * bucketMs) ? minute * bucketMs : undefined;
}

export interface HistogramPolicy {
  rpoMs: number;
  enabled: boolean;
}

/**
 * Devices per status, every status present. Each key's total is classified as a whole, so shards'
 * negative counts cancel before anything is counted. A minute bucket's age is measured from its
 * start, which overstates each device's age by less than a minute: a device may show as at risk or
 * breached up to a minute early, never late.
 *
 * Totals are exact sums and are not clamped: a negative total can only come from reading shards
 * that have not all caught up (one region's −1 seen before another's +1); presentation may clamp.
 */
export function countStatuses(
  buckets: Readonly<Record<string, number>>,
  policy: HistogramPolicy,
  now: Date,
): Record<ComplianceStatus, number> {
  // 'old' means breached only if no policy tolerates that age.
  if (!Number.isSafeInteger(policy.rpoMs) || policy.rpoMs <= 0 || 2 * policy.rpoMs > oldAfterMs) {
    throw new RangeError(
      `rpoMs must be a positive whole number of ms with 2 × rpoMs ≤ ${oldAfterMs}, got ${policy.rpoMs}`,
    );
  }
  const nowMs = timeOf(now, 'now');
  const counts = Object.fromEntries(complianceStatuses.map((status) => [status, 0])) as Record<
    ComplianceStatus,
    number
  >;
  for (const [key, count] of Object.entries(buckets)) {
    assertCount(key, count);
    counts[classify(key, policy, nowMs)] += count;
  }
  return counts;
}

function classify(key: string, policy: HistogramPolicy, nowMs: number): ComplianceStatus {
  if (key === 'unlicensed') return 'unlicensed';
  if (!policy.enabled) return 'disabled';
  if (key === 'never') return 'not-yet-protected';
  if (key === 'old') return 'breached';
  const start = bucketStartMs(key);
  if (start === undefined) throw new RangeError(`unknown histogram key ${JSON.stringify(key)}`);
  return statusForAge(nowMs - start, policy.rpoMs);
}

/** One histogram from its shards: each key's counts summed (zero sums kept; compaction may drop them). */
export function mergeBuckets(docs: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const doc of docs) {
    for (const [key, count] of Object.entries(doc)) {
      assertCount(key, count);
      merged[key] = (merged[key] ?? 0) + count;
    }
  }
  return merged;
}

/**
 * Minute keys whose whole minute is more than `compactAfterMs` before `now`, oldest first. Their
 * counts can be moved into 'old' whatever their sign: moving a −1 is as right as moving a +1.
 */
export function compactableKeys(buckets: Readonly<Record<string, number>>, now: Date): string[] {
  const nowMs = timeOf(now, 'now');
  return minuteKeys(buckets)
    .filter(({ start }) => nowMs - (start + bucketMs - 1) > compactAfterMs)
    .map(({ key }) => key);
}

/** The start of the oldest minute bucket holding devices: the next device to change status is there. */
export function oldestBucketStart(buckets: Readonly<Record<string, number>>): Date | undefined {
  const oldest = minuteKeys(buckets).find(({ key }) => (buckets[key] ?? 0) > 0);
  return oldest === undefined ? undefined : new Date(oldest.start);
}

/** The minute keys, oldest first. */
function minuteKeys(buckets: Readonly<Record<string, number>>): { key: string; start: number }[] {
  const keys: { key: string; start: number }[] = [];
  for (const key of Object.keys(buckets)) {
    const start = bucketStartMs(key);
    if (start !== undefined) keys.push({ key, start });
  }
  return keys.sort((a, b) => a.start - b.start);
}

function assertCount(key: string, count: number): void {
  if (!Number.isSafeInteger(count))
    throw new RangeError(
      `histogram key ${JSON.stringify(key)} has a count that is not a whole number: ${count}`,
    );
}

function timeOf(date: Date, name: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}
