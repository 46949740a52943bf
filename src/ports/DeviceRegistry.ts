import type { Device, DeviceProtection } from '../domain/device';
import type { ComplianceStatus } from '../domain/rpo';
import type { Page, PageRequest } from './Page';

export interface DeviceFilter {
  policyId?: string;
  primaryRegion?: string;
  priorityTier?: number;
  /** Status as of `now`, derived from the last verified point. */
  status?: ComplianceStatus;
  /** The order of lists: by id (the default), or by last verified point, never verified first, then oldest. */
  sort?: DeviceSort;
}

export type DeviceSort = 'deviceId' | 'lastVerifiedAt';

/**
 * The tenant's devices and their licences: registration, lookups and lists, and the copies of a
 * policy's settings each device carries. Every write that takes or gives back a licence does so
 * atomically with the device.
 */
export interface DeviceRegistry {
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
  /** The tenant's devices of one user (a user may have several Cloud PCs). */
  findByUpn(tenantId: string, upn: string): Promise<Device[]>;
  countByPolicy(tenantId: string, policyId: string, primaryRegion?: string): Promise<number>;
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
  /** Gives free licences to unlicensed devices, oldest first, until `licences` are taken. Returns how many. */
  licenseWaiting(tenantId: string, licences: number): Promise<number>;
}
