/** Creating, reading and updating tenants: the unit of isolation and licensing. */
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors';
import type { Tenant } from '../domain/tenant';
import type { DeviceStore } from '../ports/DeviceStore';
import type { TenantStore } from '../ports/TenantStore';

export interface TenantInput {
  name: string;
  licences: number;
  allowedBackupRegions: string[];
}

export class TenantService {
  constructor(
    private readonly store: TenantStore,
    /** Regions this deployment has storage for; a backup region must be one of them. */
    private readonly knownRegions: ReadonlySet<string>,
    private readonly now: () => Date = () => new Date(),
    private readonly devices?: DeviceStore,
  ) {}

  async get(id: string): Promise<Tenant> {
    const tenant = await this.store.get(id);
    if (!tenant) throw new NotFoundError(`Tenant ${id}`);
    return tenant;
  }

  /** Puts a primary region into outage mode (its scheduling pauses, its points are kept), or out of it. */
  async setRegionOutage(id: string, region: string, inOutage: boolean): Promise<void> {
    await this.store.setRegionOutage(id, region, inOutage);
  }

  /** Creates the tenant, or replaces its settings; `ifVersion` guards against lost updates. */
  async put(
    id: string,
    input: TenantInput,
    ifVersion?: string,
  ): Promise<{ tenant: Tenant; created: boolean }> {
    input.allowedBackupRegions.forEach((region, index) => {
      if (!this.knownRegions.has(region)) {
        throw new RuleViolationError(
          'unknown-region',
          `Region "${region}" is not one this deployment has storage for (${[...this.knownRegions].join(', ')})`,
          `body.allowedBackupRegions.${index}`,
        );
      }
    });
    const timestamp = this.now().toISOString();
    const existing = await this.store.get(id);
    if (!existing) {
      if (ifVersion)
        throw new ConflictError(
          'precondition-failed',
          `Tenant ${id} does not exist, so If-Match cannot match`,
        );
      const tenant = await this.store.create({
        id,
        ...input,
        regionsInOutage: [],
        createdAt: timestamp,
        updatedAt: timestamp,
      });
      return { tenant, created: true };
    }
    const { version: _version, ...unversioned } = existing;
    const tenant = await this.store.replace(
      { ...unversioned, ...input, updatedAt: timestamp },
      ifVersion ?? existing.version,
    );
    // More licences protect devices that were waiting for one; fewer take none away.
    if (tenant.licences > existing.licences) await this.devices?.licenseWaiting(id, tenant.licences);
    return { tenant, created: false };
  }
}
