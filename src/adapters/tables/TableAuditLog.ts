/**
 * The audit log in Table Storage: one `audit` table in each control-plane region's own storage
 * account, written only by that region, so a region keeps recording while the other is down.
 * Partition = tenant, or `platform` for the deployment's own trail (the security log); row key =
 * inverted time + region + random, so a partition lists newest first and two writers never
 * collide. Records are inserted, never updated or deleted.
 *
 * A read merges every region's table by row key. Its continuation token holds, per region, the
 * last row key already returned, so each page resumes exactly where the merge stopped.
 */
import { RestError, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import type { AuditFilter, AuditRecord, NewAuditRecord } from '../../domain/audit';
import { RuleViolationError, UnavailableError, ensureErrorType } from '../../domain/errors';
import type { AuditLog } from '../../ports/AuditLog';
import type { Page, PageRequest } from '../../ports/Page';

export const auditTableName = 'audit';

/** Larger than any time in milliseconds this log will see (year 2286), so inverted times stay positive. */
const maxTimeMs = 9_999_999_999_999;

interface AuditEntity {
  partitionKey: string;
  rowKey: string;
  at: string;
  region: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  status?: number;
  detail?: string;
  correlationId?: string;
  source?: string;
  count?: number;
}

/** Where each region's merge stopped: the last row key returned, or `null` once it has no more. */
type Cursor = Record<string, string | null>;

export class TableAuditLog implements AuditLog {
  private created: Promise<unknown> | undefined;

  /** `tables` holds every control-plane region's audit table; `region` names the one written. */
  constructor(
    private readonly region: string,
    private readonly tables: ReadonlyMap<string, TableClient>,
  ) {
    if (!tables.has(region)) throw new TypeError(`No audit table for this region (${region})`);
  }

  async append(record: NewAuditRecord, at: Date): Promise<AuditRecord> {
    const table = this.tables.get(this.region)!;
    // The table is created once per process; a failed creation is tried again on the next append.
    this.created ??= table.createTable().catch((err: unknown) => {
      this.created = undefined;
      throw err;
    });
    await this.created;
    const id = `${invertedTime(at.getTime())}_${this.region}_${randomBytes(6).toString('hex')}`;
    const entity: AuditEntity = {
      partitionKey: record.tenantId,
      rowKey: id,
      at: at.toISOString(),
      region: this.region,
      actor: JSON.stringify(record.actor),
      action: record.action,
      target: record.target,
      outcome: record.outcome,
      ...(record.status === undefined ? {} : { status: record.status }),
      ...(record.detail === undefined ? {} : { detail: record.detail }),
      ...(record.correlationId === undefined ? {} : { correlationId: record.correlationId }),
      ...(record.source === undefined ? {} : { source: record.source }),
      ...(record.count === undefined ? {} : { count: record.count }),
    };
    await table.createEntity(entity);
    return toRecord(entity);
  }

  async list(tenantId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    const cursor = this.parseCursor(page.continuationToken);
    const regions = [...this.tables.keys()].filter((region) => cursor[region] !== null);
    // Each region's next `pageSize` records; the merged page can take no more than that from one.
    const heads = await Promise.all(
      regions.map(async (region) => ({
        region,
        entities: await this.read(region, tenantId, filter, cursor[region] ?? undefined, page.pageSize),
      })),
    );
    const merged = heads
      .flatMap(({ region, entities }) => entities.map((entity) => ({ region, entity })))
      .sort((a, b) => (a.entity.rowKey < b.entity.rowKey ? -1 : 1))
      .slice(0, page.pageSize);

    const next: Cursor = { ...cursor };
    for (const { region, entity } of merged) next[region] = entity.rowKey;
    for (const { region, entities } of heads) {
      // A region is exhausted when it had fewer than a page and every one of them was taken.
      const taken = merged.filter((m) => m.region === region).length;
      if (entities.length < page.pageSize && taken === entities.length) next[region] = null;
    }
    const items = merged.map(({ entity }) => toRecord(entity));
    const more = Object.values(next).some((position) => position !== null);
    return more ? { items, continuationToken: JSON.stringify({ after: next }) } : { items };
  }

  /** Up to `limit` records of one region, oldest row key first after `after`, within the filter. */
  private async read(
    region: string,
    tenantId: string,
    filter: AuditFilter,
    after: string | undefined,
    limit: number,
  ): Promise<AuditEntity[]> {
    const conditions = [`PartitionKey eq ${quoted(tenantId)}`];
    // Newer times have smaller row keys: `from` bounds them from above, `to` from below.
    if (filter.from) conditions.push(`RowKey lt ${quoted(invertedTime(filter.from.getTime() - 1))}`);
    if (filter.to) conditions.push(`RowKey ge ${quoted(invertedTime(filter.to.getTime() - 1))}`);
    if (after !== undefined) conditions.push(`RowKey gt ${quoted(after)}`);
    if (filter.action) conditions.push(`action eq ${quoted(filter.action)}`);
    const entities: AuditEntity[] = [];
    try {
      const pages = this.tables
        .get(region)!
        .listEntities<AuditEntity>({ queryOptions: { filter: conditions.join(' and ') } })
        .byPage({ maxPageSize: limit });
      for await (const batch of pages) {
        entities.push(...(batch as TableEntityResult<AuditEntity>[]));
        if (entities.length >= limit) break;
      }
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return [];
      // A whole trail or none: one region not answering makes the read 503, never a partial page.
      throw new UnavailableError(
        `The audit log of ${region} cannot be read now (${ensureErrorType(err).message}); try again`,
        {
          dependency: err instanceof UnavailableError ? err.dependency : `storage:${region}`,
          retryAfterSeconds: err instanceof UnavailableError ? err.retryAfterSeconds : undefined,
          cause: err,
        },
      );
    }
    return entities.slice(0, limit);
  }

  private parseCursor(token: string | undefined): Cursor {
    const fresh: Cursor = {};
    if (token === undefined) return fresh;
    let parsed: unknown;
    try {
      parsed = JSON.parse(token);
    } catch {
      parsed = undefined;
    }
    const after = (parsed as { after?: unknown } | undefined)?.after;
    const valid =
      typeof after === 'object' &&
      after !== null &&
      Object.entries(after).every(
        ([region, position]) =>
          this.tables.has(region) &&
          (position === null || (typeof position === 'string' && position.length < 200)),
      );
    if (!valid) {
      throw new RuleViolationError(
        'invalid-continuation-token',
        'is not a continuation token of this query',
        'query.continuationToken',
      );
    }
    return { ...(after as Cursor) };
  }
}

/** Milliseconds counted down from `maxTimeMs`, fixed width, so later times sort first. */
function invertedTime(ms: number): string {
  return String(maxTimeMs - ms).padStart(13, '0');
}

/** An OData string literal: single quotes doubled. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function toRecord(entity: AuditEntity): AuditRecord {
  return {
    id: entity.rowKey,
    at: entity.at,
    region: entity.region,
    tenantId: entity.partitionKey,
    actor: JSON.parse(entity.actor) as AuditRecord['actor'],
    action: entity.action,
    target: entity.target,
    outcome: entity.outcome as AuditRecord['outcome'],
    ...(entity.status === undefined ? {} : { status: entity.status }),
    ...(entity.detail === undefined ? {} : { detail: entity.detail }),
    ...(entity.correlationId === undefined ? {} : { correlationId: entity.correlationId }),
    ...(entity.source === undefined ? {} : { source: entity.source }),
    ...(entity.count === undefined ? {} : { count: entity.count }),
  };
}
