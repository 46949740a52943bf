import type { Container } from '@azure/cosmos';
import { statusOf } from './statusOf';
import { ConflictError } from '../../domain/errors';
import type { DiskScopeClaim } from '../../domain/diskScope';
import type { Tenant } from '../../domain/tenant';
import type { TenantStore } from '../../ports/TenantStore';

interface TenantDocument extends Omit<Tenant, 'version' | 'diskScopes'> {
  /** Absent on tenants created before disk scopes existed: they have none. */
  diskScopes?: Tenant['diskScopes'];
  _etag?: string;
}

/**
 * Every tenant's disk-scope claims in one document of its own partition: Cosmos DB checks an
 * ETag within one region only, and a document is the unit of last-writer-wins across regions, so
 * each version of this document was checked whole and never holds two overlapping claims. Its id
 * is not a GUID, so no tenant can have it.
 */
const claimsDocumentId = 'disk-scope-claims';

interface ClaimsDocument {
  id: typeof claimsDocumentId;
  claims: DiskScopeClaim[];
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
      // Already so (a retried activation request): no write, so the tenant's ETag stays as it was.
      if (regions.has(region) === inOutage) return;
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

  async backupResourceGroups(region: string): Promise<string[]> {
    const { resources } = await this.container.items
      .query<Pick<TenantDocument, 'backupResourceGroups'>>(
        'SELECT t.backupResourceGroups FROM t WHERE IS_DEFINED(t.backupResourceGroups)',
      )
      .fetchAll();
    return resources.flatMap((t) => t.backupResourceGroups?.[region] ?? []);
  }

  async diskScopeClaims(): Promise<DiskScopeClaim[]> {
    const { resource } = await this.container.item(claimsDocumentId, claimsDocumentId).read<ClaimsDocument>();
    return resource?.claims ?? [];
  }

  async updateDiskScopeClaims(update: (claims: DiskScopeClaim[]) => DiskScopeClaim[]): Promise<void> {
    const item = this.container.item(claimsDocumentId, claimsDocumentId);
    for (;;) {
      const { resource } = await item.read<ClaimsDocument>();
      const claims = update(resource?.claims ?? []);
      // Nothing to change is no write: a refused or repeated request leaves no trace.
      if (JSON.stringify(claims) === JSON.stringify(resource?.claims ?? [])) return;
      const document: ClaimsDocument = { id: claimsDocumentId, claims };
      try {
        if (resource?._etag)
          await item.replace(document, { accessCondition: { type: 'IfMatch', condition: resource._etag } });
        else await this.container.items.create(document);
        return;
      } catch (err) {
        // Someone else changed the claims since they were read: check against theirs.
        if (statusOf(err) !== 412 && statusOf(err) !== 409) throw err;
      }
    }
  }
}

function toDocument(tenant: Tenant): TenantDocument {
  const { version: _version, ...document } = tenant;
  return document;
}

function toTenant(document: TenantDocument): Tenant {
  const {
    id,
    name,
    licences,
    allowedBackupRegions,
    diskScopes,
    backupResourceGroups,
    backupDiskEncryptionSets,
    azureDirectoryId,
    regionsInOutage,
    createdAt,
    updatedAt,
    _etag,
  } = document;
  const tenant: Tenant = {
    id,
    name,
    licences,
    allowedBackupRegions,
    diskScopes: diskScopes ?? [],
    regionsInOutage: regionsInOutage ?? [],
    createdAt,
    updatedAt,
  };
  if (backupResourceGroups && Object.keys(backupResourceGroups).length > 0)
    tenant.backupResourceGroups = backupResourceGroups;
  if (backupDiskEncryptionSets && Object.keys(backupDiskEncryptionSets).length > 0)
    tenant.backupDiskEncryptionSets = backupDiskEncryptionSets;
  if (azureDirectoryId) tenant.azureDirectoryId = azureDirectoryId;
  if (_etag) tenant.version = _etag;
  return tenant;
}
