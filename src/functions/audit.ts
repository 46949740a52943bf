/** The audit trail of a tenant: both regions' records merged newest first, as JSON pages or CSV. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import type { AuditFilter, AuditRecord } from '../domain/audit';
import { decodeContinuationToken, encodeContinuationToken } from '../http/continuationToken';
import { csvStream } from '../http/csv';
import { json } from '../http/routeSpec';
import { auditQuery, auditRecordResource } from '../http/schemas/auditSchemas';
import { tenantPathParams } from '../http/schemas/common';
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
  summary: "The tenant's audit trail: every change, refusal and disaster-recovery event",
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
    const { auditReport } = services();
    const filter: AuditFilter = {
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
      ...(query.action ? { action: query.action } : {}),
    };
    if (query.format === 'csv') {
      return {
        status: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="audit-${params.tenantId}.csv"`,
        },
        body: csvStream(csvColumns, auditReport.all(params.tenantId, filter), csvCells),
      };
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
