/**
 * RPO maths: the allowed recovery-point objectives, each device's fixed slot schedule within its RPO
 * window, and the compliance status derived from the age of its last verified restore point.
 */

/** The RPOs a policy may choose, in hours. */
export const rpoHoursValues = [1, 2, 4, 6, 12, 16, 24] as const;
export type RpoHours = (typeof rpoHoursValues)[number];

const hourMs = 3_600_000;
const secondMs = 1_000;

export function isRpoHours(n: number): n is RpoHours {
  return (rpoHoursValues as readonly number[]).includes(n);
}

export function rpoMs(hours: RpoHours): number {
  // Checked at run time too: hours often come from stored policies that no compiler has seen.
  const value: number = hours;
  if (!isRpoHours(value))
    throw new RangeError(`${value} is not an allowed RPO in hours (${rpoHoursValues.join(', ')})`);
  return value * hourMs;
}

/**
 * FNV-1a (32-bit) over the id's UTF-16 code units, then murmur3's 32-bit finaliser. The offset is
 * taken from the high bits, and for ids that differ only in their last characters (`device-00001`,
 * `device-00002`) FNV-1a alone clumps there: over minute buckets its spread has about 1.5–1.7 times
 * the variance of a random one. The finaliser makes every input bit reach every output bit and
 * brings it to that of a random spread. Pure arithmetic: the domain has no crypto.
 */
export function stableHash32(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function assertRpoMs(value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`rpoMs must be a positive whole number of milliseconds, got ${value}`);
}

function timeOf(date: Date, name: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

/**
 * Where in the RPO window a device's slots start: a whole number of seconds in [0, rpoMs), fixed
 * for the device and the RPO, so a fleet registered at once spreads its copies over the window
 * instead of all starting on the hour.
 */
export function slotOffsetMs(deviceId: string, rpoMs: number): number {
  assertRpoMs(rpoMs);
  // Whole seconds k with k·1000 < rpoMs: ceil, so a window that is not a whole number of seconds
  // still uses its last partial second's start.
  const seconds = Math.ceil(rpoMs / secondMs);
  // The hash's share of 2^32 scaled to the window: uses the high bits, and is uniform.
  return Math.floor((stableHash32(deviceId) / 2 ** 32) * seconds) * secondMs;
}

/** The slot containing `at`: slot k covers [offset + k·rpo, offset + (k+1)·rpo) in epoch ms. */
export function slotIndex(deviceId: string, rpoMs: number, at: Date): number {
  const offset = slotOffsetMs(deviceId, rpoMs);
  return Math.floor((timeOf(at, 'at') - offset) / rpoMs);
}

export function slotStart(deviceId: string, rpoMs: number, index: number): Date {
  if (!Number.isSafeInteger(index)) throw new RangeError(`slot index must be a whole number, got ${index}`);
  return new Date(slotOffsetMs(deviceId, rpoMs) + index * rpoMs);
}

/** The first slot start strictly after `after`: a point taken exactly at a slot start waits a whole RPO. */
export function nextSlotStart(deviceId: string, rpoMs: number, after: Date): Date {
  return slotStart(deviceId, rpoMs, slotIndex(deviceId, rpoMs, after) + 1);
}

export type ComplianceStatus =
  'protected' | 'at-risk' | 'breached' | 'not-yet-protected' | 'unlicensed' | 'disabled';

/** Every status, in report order. */
export const complianceStatuses: readonly ComplianceStatus[] = [
  'protected',
  'at-risk',
  'breached',
  'not-yet-protected',
  'unlicensed',
  'disabled',
];

/**
 * The status a verified point of this age gives. Both bounds are inclusive on the better side: a
 * point exactly one RPO old is still within its objective. A negative age (the point's clock ahead
 * of ours) counts as fresh.
 */
export function statusForAge(ageMs: number, rpoMs: number): 'protected' | 'at-risk' | 'breached' {
  assertRpoMs(rpoMs);
  if (Number.isNaN(ageMs)) throw new RangeError('ageMs is not a number');
  if (ageMs <= rpoMs) return 'protected';
  if (ageMs <= 2 * rpoMs) return 'at-risk';
  return 'breached';
}

export interface ComplianceInput {
  licensed: boolean;
  enabled: boolean;
  lastVerifiedAt?: Date;
  rpoMs: number;
  now: Date;
}

/**
 * A device's compliance now. Precedence: unlicensed, disabled, not yet protected (no verified point),
 * then by the age of the last verified point: ≤ rpo protected, ≤ 2·rpo at risk, beyond breached.
 */
export function complianceStatus(input: ComplianceInput): ComplianceStatus {
  if (!input.licensed) return 'unlicensed';
  if (!input.enabled) return 'disabled';
  if (input.lastVerifiedAt === undefined) return 'not-yet-protected';
  return statusForAge(timeOf(input.now, 'now') - timeOf(input.lastVerifiedAt, 'lastVerifiedAt'), input.rpoMs);
}

/** The start of the slot after the one `now` falls in: when a device's next restore point is due. */
export function nextScheduledSlot(
  device: { id: string; protection: { rpoHours: RpoHours } },
  now: Date,
): Date {
  const rpo = rpoMs(device.protection.rpoHours);
  return slotStart(device.id, rpo, slotIndex(device.id, rpo, now) + 1);
}

/** The compliance state last announced for a device (`AnnouncedCompliance` in ./device). */
type Announced = 'not-yet-protected' | 'protected' | 'at-risk' | 'breached';

/**
 * The RPO transition to announce now, if any: at risk once a device announced protected is past its
 * RPO, breached once any device not yet announced breached is past twice its RPO. None without a
 * verified point. Strict comparisons, as `statusForAge`: a point exactly one RPO old is protected.
 */
export function dueAnnouncement(
  lastVerifiedAtMs: number | null,
  rpoMs: number,
  announced: Announced,
  nowMs: number,
): 'at-risk' | 'breached' | undefined {
  assertRpoMs(rpoMs);
  if (lastVerifiedAtMs === null || announced === 'breached') return undefined;
  if (lastVerifiedAtMs < nowMs - 2 * rpoMs) return 'breached';
  if (announced === 'protected' && lastVerifiedAtMs < nowMs - rpoMs) return 'at-risk';
  return undefined;
}

/**
 * The first whole millisecond at which `dueAnnouncement` returns a transition, or null when it
 * never will (no verified point, or breached already announced). Stored on the device so the
 * timer finds what is due with one indexed range instead of comparing two fields of every device.
 */
export function nextAnnouncementAtMs(
  lastVerifiedAtMs: number | null,
  rpoMs: number,
  announced: Announced,
): number | null {
  assertRpoMs(rpoMs);
  if (lastVerifiedAtMs === null || announced === 'breached') return null;
  return lastVerifiedAtMs + (announced === 'protected' ? rpoMs : 2 * rpoMs) + 1;
}
