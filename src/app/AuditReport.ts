/** Reads a tenant's audit trail: both regions' records merged newest first. */
import type { AuditFilter, AuditRecord } from '../domain/audit';
import type { AuditLog } from '../ports/AuditLog';
import type { Page, PageRequest } from '../ports/Page';
import type { TenantService } from './TenantService';

export class AuditReport {
  constructor(
    private readonly log: AuditLog,
    private readonly tenants: TenantService,
  ) {}

  async page(tenantId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    await this.tenants.get(tenantId);
    return await this.log.list(tenantId, filter, page);
  }

  /** Every record matching the filter, for a CSV export streamed as it is read. */
  async *all(tenantId: string, filter: AuditFilter): AsyncIterable<AuditRecord> {
    await this.tenants.get(tenantId);
    let continuationToken: string | undefined;
    do {
      const page: Page<AuditRecord> = await this.log.list(tenantId, filter, {
        pageSize: 1000,
        ...(continuationToken ? { continuationToken } : {}),
      });
      yield* page.items;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
}
