import type {
  AnnouncedCompliance,
  Device,
  DeviceProtection,
  DeviceRecovery,
  PendingRestorePoint,
  ProtectionBlock,
} from '../domain/device';
import type { ComplianceStatus } from '../domain/rpo';
import type { Page, PageRequest } from './Page';

export interface DeviceFilter {
  policyId?: string;
  primaryRegion?: string;
  priorityTier?: number;
  /** Status as of `now`, derived from the last verified point. */
  status?: ComplianceStatus;
}

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
 * Devices, their licences and the compliance histogram, kept consistent together: every write
 * that moves a device between histogram keys or takes a licence does so atomically.
 */
export interface DeviceStore {
  get(tenantId: string, id: string): Promise<Device | undefined>;
  /** Creates the device, taking one of the tenant's `licences` if one is free. Throws ConflictError `device-exists`. */
  register(device: Omit<Device, 'licensed' | 'version'>, licences: number): Promise<Device>;
  /** Replaces registration fields (upn, disk, policy and protection, tier); throws ConflictError `precondition-failed`. */
  update(device: Device, ifVersion?: string): Promise<Device>;
  /** Removes the device and gives back its licence; a missing device is success. */
  remove(tenantId: string, id: string): Promise<void>;
  list(tenantId: string, filter: DeviceFilter, page: PageRequest, now: Date): Promise<Page<Device>>;
  /** Every device matching the filter, page by page, for exports. */
  listAll(tenantId: string, filter: DeviceFilter, now: Date): AsyncIterable<Device>;
  /** Licensed devices with an enabled policy whose next restore point is due, soonest first, paged. */
  due(now: Date, page: PageRequest): Promise<Page<Device>>;
  /** Moves the next due time on, unless someone else already did (false then). */
  advanceSchedule(device: Device, nextDueAt: Date): Promise<boolean>;
  /**
   * Records the restore point in progress only if the device is unchanged since it was read, so two
   * workers on one slot agree on one snapshot; a scheduled point also moves the next due time on.
   * Undefined when someone else changed the device first.
   */
  claimPending(device: Device, pending: PendingRestorePoint, nextDueAt?: Date): Promise<Device | undefined>;
  /** Ends `owner`'s lease on the pending point, if it still holds it, so the next message may work on it. */
  releasePending(device: Device, owner: string, now: Date): Promise<void>;
  clearPending(device: Device): Promise<Device>;
  /**
   * Records why the device is not protected (kept from its first refusal: `since` stays), and for
   * a refused scheduled slot moves the next due time on. `claimPending` clears it.
   */
  blockProtection(device: Device, block: ProtectionBlock, nextDueAt?: Date): Promise<void>;
  /**
   * Records a verified point if newer than the last one, moving the device in the histogram and
   * announcing it protected. `device` should be fresh (as `claimPending` returned it); a stale one
   * costs a read.
   */
  recordVerified(device: Device, point: { takenAt: Date; name: string }, now: Date): Promise<Device>;
  /** Devices whose compliance has crossed a threshold since it was last announced. */
  complianceTransitions(now: Date, pageSize: number): Promise<ComplianceTransition[]>;
  announce(device: Device, state: AnnouncedCompliance): Promise<void>;
  histograms(tenantId: string): Promise<PolicyHistogram[]>;
  /** Folds histogram buckets too old to matter into one key; keeps documents small. */
  compactHistograms(now: Date): Promise<void>;
  /**
   * Copies a policy's settings onto each of its devices. With `rescheduleFrom`, each device's next
   * restore point moves to its first slot of the new RPO after that time. Returns how many were updated.
   */
  applyProtection(
    tenantId: string,
    policyId: string,
    protection: DeviceProtection,
    rescheduleFrom?: Date,
  ): Promise<number>;
  countByPolicy(tenantId: string, policyId: string, primaryRegion?: string): Promise<number>;
  /** Gives free licences to unlicensed devices, oldest first, until `licences` are taken. Returns how many. */
  licenseWaiting(tenantId: string, licences: number): Promise<number>;
  /**
   * Gives the device to the activation unless another activation holds it; true when it is (now or
   * already) this activation's. The one arbiter between activations racing for a device.
   */
  claimForRecovery(tenantId: string, deviceId: string, recovery: DeviceRecovery): Promise<boolean>;
  /** `claimForRecovery` of many devices of one tenant, in few requests; the ids claimed. */
  claimAllForRecovery(
    tenantId: string,
    claims: readonly { deviceId: string; recovery: DeviceRecovery }[],
  ): Promise<Set<string>>;
  /** Updates the activation's hold on the device, or ends it (null); false when it does not hold it. */
  setRecovery(
    tenantId: string,
    deviceId: string,
    activationId: string,
    recovery: DeviceRecovery | null,
  ): Promise<boolean>;
  /** The tenant's devices of one user (a user may have several Cloud PCs). */
  findByUpn(tenantId: string, upn: string): Promise<Device[]>;
}
