import type { HistogramPolicy } from '../domain/complianceHistogram';
import type { AnnouncedCompliance, Device } from '../domain/device';
import type { ComplianceStatus } from '../domain/rpo';

/** A policy's share of a tenant's compliance histogram, summed over its shards. */
export interface PolicyHistogram {
  policyId: string;
  buckets: Record<string, number>;
}

/** A device whose announced compliance no longer matches its age: an RPO transition to log. */
export interface ComplianceTransition {
  device: Device;
  to: Extract<AnnouncedCompliance, 'at-risk' | 'breached'>;
}

/**
 * What the compliance report and the RPO announcements read: each device's last verified point,
 * the per-policy histogram of those points, and the compliance state last announced.
 */
export interface ComplianceIndex {
  /**
   * Records a verified point if newer than the last one, moving the device in the histogram and
   * announcing it protected. `device` should be fresh (as `claimPending` returned it); a stale one
   * costs a read.
   */
  recordVerified(device: Device, point: { takenAt: Date; name: string }, now: Date): Promise<Device>;
  /** Devices whose compliance has crossed a threshold since it was last announced. */
  complianceTransitions(now: Date, pageSize: number): Promise<ComplianceTransition[]>;
  /** Records the announced state, unless the device's last point or RPO changed since it was read. */
  announce(device: Device, state: AnnouncedCompliance): Promise<void>;
  histograms(tenantId: string): Promise<PolicyHistogram[]>;
  /**
   * The devices of one policy in one primary region, per status exactly as the policy's histogram
   * counts them (to the minute), from counts an index serves: no device is read.
   */
  statusCounts(
    tenantId: string,
    of: { policyId: string; primaryRegion: string },
    policy: HistogramPolicy,
    now: Date,
  ): Promise<Record<ComplianceStatus, number>>;
  /** Folds histogram buckets too old to matter into one key; keeps documents small. */
  compactHistograms(now: Date): Promise<void>;
}
