import type { Container } from '@azure/cosmos';
import { statusOf } from './statusOf';
import { ConflictError } from '../../domain/errors';
import type { Tenant } from '../../domain/tenant';
import type { TenantStore } from '../../ports/TenantStore';

interface TenantDocument extends Omit<Tenant, 'version'> {
  _etag?: string;
}

export class CosmosTenantStore implements TenantStore {
  constructor(private readonly container: Container) {}

  async get(id: string): Promise<Tenant | undefined> {
    const { resource } = await this.container.item(id, id).read<TenantDocument>();
    return resource ? toTenant(resource) : undefined;
  }

  async create(tenant: Tenant): Promise<Tenant> {
    try {
      const { resource } = await this.container.items.create<TenantDocument>(toDocument(tenant));
      return toTenant(resource!);
    } catch (err) {
      if (statusOf(err) === 409)
        throw new ConflictError('tenant-exists', `Tenant ${tenant.id} already exists`);
      throw err;
    }
  }

  async replace(tenant: Tenant, ifVersion?: string): Promise<Tenant> {
    try {
      const { resource } = await this.container
        .item(tenant.id, tenant.id)
        .replace<TenantDocument>(
          toDocument(tenant),
          ifVersion ? { accessCondition: { type: 'IfMatch', condition: ifVersion } } : {},
        );
      return toTenant(resource!);
    } catch (err) {
      if (statusOf(err) === 412) {
        throw new ConflictError(
          'precondition-failed',
          `Tenant ${tenant.id} was changed by someone else; read it again`,
        );
      }
      throw err;
    }
  }

  async setRegionOutage(tenantId: string, region: string, inOutage: boolean): Promise<void> {
    for (;;) {
      const { resource } = await this.container.item(tenantId, tenantId).read<TenantDocument>();
      if (!resource) return;
      const regions = new Set(resource.regionsInOutage ?? []);
      if (inOutage) regions.add(region);
      else regions.delete(region);
      try {
        await this.container
          .item(tenantId, tenantId)
          .patch([{ op: 'set', path: '/regionsInOutage', value: [...regions] }], {
            accessCondition: { type: 'IfMatch', condition: resource._etag },
          });
        return;
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
  }
}

function toDocument(tenant: Tenant): TenantDocument {
  const { version: _version, ...document } = tenant;
  return document;
}

function toTenant(document: TenantDocument): Tenant {
  const { id, name, licences, allowedBackupRegions, regionsInOutage, createdAt, updatedAt, _etag } = document;
  const tenant: Tenant = {
    id,
    name,
    licences,
    allowedBackupRegions,
    regionsInOutage: regionsInOutage ?? [],
    createdAt,
    updatedAt,
  };
  if (_etag) tenant.version = _etag;
  return tenant;
}
