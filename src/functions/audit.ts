/**
 * The audit trail of a tenant, and the platform's own (the security log): both regions' records
 * merged newest first, as JSON pages or CSV.
 */
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import type { Budgets } from '../adapters/deadlines/budgets';
import { eachStepWithin } from '../adapters/deadlines/eachStepWithin';
import { services } from '../compositionRoot';
import type { AuditFilter, AuditRecord } from '../domain/audit';
import { PlatformRole } from '../domain/roles';
import { decodeContinuationToken, encodeContinuationToken } from '../http/continuationToken';
import { csvStream, primed } from '../http/csv';
import { HttpLimits } from '../http/limits';
import { json } from '../http/routeSpec';
import { auditQuery, auditRecordResource } from '../http/schemas/auditSchemas';
import { tenantPathParams } from '../http/schemas/common';
import { securityRecordResource } from '../http/schemas/securityLogSchemas';
import { defineHttp } from './define/defineHttp';

const csvColumns = [
  'at',
  'region',
  'actorKind',
  'actorObjectId',
  'actorUpn',
  'action',
  'target',
  'outcome',
  'status',
  'detail',
  'correlationId',
  'id',
] as const;

defineHttp({
  name: 'getAuditTrail',
  method: 'GET',
  route: 'tenants/{tenantId}/audit',
  summary:
    "The tenant's audit trail: every change its principals made or were refused, and every disaster-recovery event",
  description:
    'Records of both control-plane regions merged newest first; filter by time (`from` inclusive, `to` exclusive) ' +
    'and by `action` (an operation id such as `putDevice`, or an event such as `recovery.recovered`). ' +
    '`format=csv` streams every matching record instead, for evidence.',
  tags: ['Reports'],
  auth: { role: 'DR.Reader' },
  params: tenantPathParams,
  query: auditQuery,
  responses: {
    200: {
      description: 'A page of records (JSON), or every matching record (CSV with format=csv)',
      schema: z.object({
        records: z.array(auditRecordResource),
        continuationToken: z.string().optional(),
      }),
    },
  },
  handler: async ({ params, query }) => {
    const { auditReport, budgets } = services();
    const filter = filterOf(query);
    if (query.format === 'csv') {
      return csvAttachment(
        `audit-${params.tenantId}.csv`,
        csvStream(csvColumns, await exported(auditReport.all(params.tenantId, filter), budgets), csvCells),
      );
    }
    const page = await auditReport.page(params.tenantId, filter, {
      pageSize: query.pageSize,
      continuationToken: decodeContinuationToken(query.continuationToken),
    });
    return json(200, {
      records: page.items,
      continuationToken: encodeContinuationToken(page.continuationToken),
    });
  },
});

defineHttp({
  name: 'getSecurityLog',
  method: 'GET',
  route: 'platform/security-log',
  summary: "The platform's own trail: the security log and what platform admins changed",
  description:
    'Requests refused before authentication (401, 429, 503) and requests aimed at another tenant, ' +
    'counted per minute and per client address, route, status, caller and target (`count`, `source`): ' +
    `at most ${HttpLimits.securityLogRecordsPerMinute} records per instance and minute, the last of them ` +
    'counting in a `security.dropped` record what did not fit. Also every change made through a platform ' +
    "route. Filters, paging and CSV as for a tenant's trail.",
  tags: ['Platform'],
  auth: { role: PlatformRole },
  query: auditQuery,
  responses: {
    200: {
      description: 'A page of records (JSON), or every matching record (CSV with format=csv)',
      schema: z.object({
        records: z.array(securityRecordResource),
        continuationToken: z.string().optional(),
      }),
    },
  },
  handler: async ({ query }) => {
    const { securityLog, budgets } = services();
    const filter = filterOf(query);
    if (query.format === 'csv') {
      return csvAttachment(
        'security-log.csv',
        csvStream(securityCsvColumns, await exported(securityLog.all(filter), budgets), securityCsvCells),
      );
    }
    const page = await securityLog.page(filter, {
      pageSize: query.pageSize,
      continuationToken: decodeContinuationToken(query.continuationToken),
    });
    return json(200, {
      records: page.items,
      continuationToken: encodeContinuationToken(page.continuationToken),
    });
  },
});

/**
 * The records of an export, the first read before the answer goes out (a 503 within the bound if
 * it fails) and every page after it within the request's bound of its own: those are read once the
 * handler has returned, outside its deadline (src/adapters/deadlines/eachStepWithin.ts).
 */
async function exported(
  records: AsyncIterable<AuditRecord>,
  budgets: Budgets,
): Promise<AsyncIterable<AuditRecord>> {
  return await primed(eachStepWithin(records, 'request', budgets.httpRequestInMs));
}

function filterOf(query: {
  from?: string | undefined;
  to?: string | undefined;
  action?: string | undefined;
}): AuditFilter {
  return {
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
    ...(query.action ? { action: query.action } : {}),
  };
}

const securityCsvColumns = [...csvColumns.slice(0, -1), 'actorTenantId', 'source', 'count', 'id'] as const;

function securityCsvCells(record: AuditRecord): (string | number | undefined)[] {
  const { actor } = record;
  return [
    ...csvCells(record).slice(0, -1),
    'tenantId' in actor ? actor.tenantId : undefined,
    record.source,
    record.count,
    record.id,
  ];
}

function csvCells(record: AuditRecord): (string | number | undefined)[] {
  const { actor } = record;
  return [
    record.at,
    record.region,
    actor.kind,
    'objectId' in actor ? actor.objectId : undefined,
    'upn' in actor ? actor.upn : undefined,
    record.action,
    record.target,
    record.outcome,
    record.status,
    record.detail,
    record.correlationId,
    record.id,
  ];
}

/** Every matching record as a CSV download. */
function csvAttachment(filename: string, body: ReturnType<typeof csvStream>): HttpResponseInit {
  return {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
    body,
  };
}
