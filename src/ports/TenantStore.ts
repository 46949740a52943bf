import type { Tenant } from '../domain/tenant';

export interface TenantStore {
  get(id: string): Promise<Tenant | undefined>;
  /** Throws ConflictError (`tenant-exists`) when a tenant with that id exists. */
  create(tenant: Tenant): Promise<Tenant>;
  /** Throws ConflictError (`precondition-failed`) when `ifVersion` is given and stale. */
  replace(tenant: Tenant, ifVersion?: string): Promise<Tenant>;
  /** Puts a primary region into outage mode for the tenant, or takes it out. */
  setRegionOutage(tenantId: string, region: string, inOutage: boolean): Promise<void>;
}
