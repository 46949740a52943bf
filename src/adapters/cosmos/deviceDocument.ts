/**
 * The documents of a tenant's partition in the devices container: the device itself, beside the
 * helper documents that one transactional batch keeps consistent with it:
 * - `licences`: how many of the tenant's licences are taken;
 * - `histogram:{policy}:{region}:{shard}`: how many devices sit in each last-verified bucket. Each
 *   control-plane region writes only its own shards (multi-region writes would otherwise lose
 *   increments to last-writer-wins), and a device's shard is fixed by its id. Counts of one key may
 *   be spread over shards, even negative in one; only sums mean anything.
 */
import type { Device, DeviceRecovery, PendingRestorePoint, ProtectionBlock } from '../../domain/device';
import { histogramKey, type HistogramKey } from '../../domain/complianceHistogram';
import { nextAnnouncementAtMs, rpoMs } from '../../domain/rpo';

export interface DeviceDocument extends Omit<
  Device,
  'version' | 'pending' | 'recovery' | 'protectionBlocked'
> {
  type: 'device';
  pending: PendingRestorePoint | null;
  protectionBlocked?: ProtectionBlock | null;
  recovery?: DeviceRecovery | null;
  /** Numbers beside the ISO times: the timers and the report compare them in queries. */
  nextDueAtMs: number;
  lastVerifiedAtMs: number | null;
  rpoMs: number;
  /** Licensed and its policy enabled: what the scheduler looks for. */
  scheduled: boolean;
  /**
   * When the next RPO transition is to be announced (`nextAnnouncementAtMs`), null when none will
   * be: the compliance timer's indexed range. Every write of `lastVerifiedAtMs`, `rpoMs` or
   * `announced` writes it too. Missing on documents written before it existed, until the
   * scheduler's `due` reads them (`CosmosProtectionSchedule`).
   */
  announceAtMs?: number | null;
  _etag?: string;
}

export interface HistogramDocument {
  id: string;
  tenantId: string;
  type: 'histogram';
  policyId: string;
  region: string;
  buckets: Record<string, number>;
  /**
   * When the compactor next looks at this document: its indexed range. Missing on documents
   * written before it existed, until this region next writes them (`DevicePartition`).
   */
  compactAtMs?: number;
  _etag?: string;
}

export const licenceCounterId = 'licences';

/** The document of a device, with every field the queries read derived from it. */
export function toDocument(device: Omit<Device, 'version'>): DeviceDocument {
  const { pending, recovery, ...rest } = device;
  const lastVerifiedAtMs = device.lastVerifiedAt ? Date.parse(device.lastVerifiedAt) : null;
  const rpo = rpoMs(device.protection.rpoHours);
  return {
    ...rest,
    type: 'device',
    pending: pending ?? null,
    recovery: recovery ?? null,
    nextDueAtMs: Date.parse(device.nextDueAt),
    lastVerifiedAtMs,
    rpoMs: rpo,
    scheduled: device.licensed && device.protection.enabled,
    announceAtMs: nextAnnouncementAtMs(lastVerifiedAtMs, rpo, device.announced),
  };
}

export function toDevice(document: DeviceDocument): Device {
  const device: Device = {
    id: document.id,
    tenantId: document.tenantId,
    upn: document.upn,
    primaryRegion: document.primaryRegion,
    disk: document.disk,
    policyId: document.policyId,
    priorityTier: document.priorityTier,
    licensed: document.licensed,
    protection: document.protection,
    nextDueAt: document.nextDueAt,
    announced: document.announced,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
  };
  if (document.diskFacts) device.diskFacts = document.diskFacts;
  if (document.lastVerifiedAt) device.lastVerifiedAt = document.lastVerifiedAt;
  if (document.lastRestorePoint) device.lastRestorePoint = document.lastRestorePoint;
  if (document.pending) device.pending = document.pending;
  if (document.recovery) device.recovery = document.recovery;
  if (document.protectionBlocked) device.protectionBlocked = document.protectionBlocked;
  if (document._etag) device.version = document._etag;
  return device;
}

/** The device's last verified time in ms, as its document holds it. */
export function lastVerifiedMs(device: Device): number | null {
  return device.lastVerifiedAt ? Date.parse(device.lastVerifiedAt) : null;
}

/** A patch condition that holds while the document's last verified time is still `ms`. */
export function lastVerifiedIs(ms: number | null): string {
  return ms === null ? 'IS_NULL(c.lastVerifiedAtMs)' : `c.lastVerifiedAtMs = ${ms}`;
}

/** The histogram key the device counts under now. */
export function keyOf(device: Device, now: Date): HistogramKey {
  return histogramKey(
    device.lastVerifiedAt
      ? { licensed: device.licensed, lastVerifiedAt: new Date(device.lastVerifiedAt) }
      : { licensed: device.licensed },
    now,
  );
}

/** A string literal for a patch condition, which takes no parameters. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
