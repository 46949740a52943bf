import type { AuditFilter, AuditRecord, NewAuditRecord } from '../domain/audit';
import type { Page, PageRequest } from './Page';

/** Append-only storage of audit records: one log per control-plane region, read merged. */
export interface AuditLog {
  /** Writes one record into this region's log; throws when the write did not happen. */
  append(record: NewAuditRecord, at: Date): Promise<AuditRecord>;
  /** A tenant's records of every region's log, newest first. */
  list(tenantId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
}
