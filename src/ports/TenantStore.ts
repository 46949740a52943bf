import type { DiskScopeClaim } from '../domain/diskScope';
import type { Tenant } from '../domain/tenant';

export interface TenantStore {
  get(id: string): Promise<Tenant | undefined>;
  /** Throws ConflictError (`tenant-exists`) when a tenant with that id exists. */
  create(tenant: Tenant): Promise<Tenant>;
  /** Throws ConflictError (`precondition-failed`) when `ifVersion` is given and stale. */
  replace(tenant: Tenant, ifVersion?: string): Promise<Tenant>;
  /** Puts a primary region into outage mode for the tenant, or takes it out. */
  setRegionOutage(tenantId: string, region: string, inOutage: boolean): Promise<void>;
  /**
   * Changes the deployment's registry of disk-scope claims, every tenant's in one place, so two
   * claims are checked one after the other: `update` gets the current claims and returns the new
   * ones (or throws to refuse); a concurrent change makes it run again on the newer claims.
   */
  updateDiskScopeClaims(update: (claims: DiskScopeClaim[]) => DiskScopeClaim[]): Promise<void>;
  /**
   * Every tenant's claims as they stand: one read, from which the ARM adapters learn which
   * directory each subscription is in (`src/domain/azureDirectory.ts`).
   */
  diskScopeClaims(): Promise<DiskScopeClaim[]>;
  /**
   * Every tenant's backup resource groups in the region: where the Azure compute provider may have
   * made temporary devices, for the sweeper. A query across tenants, for a timer, not a request.
   */
  backupResourceGroups(region: string): Promise<string[]>;
}
