import type { Policy } from '../domain/policy';

export interface PolicyStore {
  get(tenantId: string, id: string): Promise<Policy | undefined>;
  /** A tenant's policies: a few, so read whole. */
  list(tenantId: string): Promise<Policy[]>;
  /** Throws ConflictError `policy-exists`. */
  create(policy: Policy): Promise<Policy>;
  /** Throws ConflictError `precondition-failed` for a stale `ifVersion`. */
  replace(policy: Policy, ifVersion?: string): Promise<Policy>;
  remove(tenantId: string, id: string): Promise<void>;
  /**
   * The DR host pools (`recovery.hostPoolId`) that policies recovering into `backupRegion` name,
   * with their tenant, across tenants: for the sweeper (a timer), not a request.
   */
  drHostPools(backupRegion: string): Promise<{ tenantId: string; hostPoolId: string }[]>;
}
