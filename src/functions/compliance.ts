/** The RPO compliance report of a tenant: counts per status, and per-device rows as JSON or CSV. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import type { ComplianceRow } from '../app/ComplianceReport';
import { complianceStatuses, type ComplianceStatus } from '../domain/rpo';
import { decodeContinuationToken, encodeContinuationToken } from '../http/continuationToken';
import { csvStream } from '../http/csv';
import { json } from '../http/routeSpec';
import { tenantPathParams } from '../http/schemas/common';
import { complianceQuery } from '../http/schemas/protectionSchemas';
import { defineHttp } from './define/defineHttp';

const counts = z.object(
  Object.fromEntries(complianceStatuses.map((s) => [s, z.number().int()])) as Record<
    ComplianceStatus,
    z.ZodNumber
  >,
);
const row = z.object({
  deviceId: z.string(),
  upn: z.string(),
  primaryRegion: z.string(),
  backupRegion: z.string(),
  policyId: z.string(),
  priorityTier: z.number().int(),
  rpoHours: z.number().int(),
  status: z.enum(complianceStatuses as [string, ...string[]]),
  lastVerifiedAt: z.iso.datetime().optional(),
  ageMinutes: z.number().int().optional(),
});

const csvColumns: (keyof ComplianceRow)[] = [
  'deviceId',
  'upn',
  'primaryRegion',
  'backupRegion',
  'policyId',
  'priorityTier',
  'rpoHours',
  'status',
  'lastVerifiedAt',
  'ageMinutes',
];

defineHttp({
  name: 'getComplianceReport',
  method: 'GET',
  route: 'tenants/{tenantId}/compliance',
  summary: 'RPO compliance of a tenant: counts per status and per-device rows',
  description:
    "Counts are derived at read time from each device's last verified restore point (to the minute) and are cheap at any fleet size. " +
    'Rows are paged and filterable; `format=csv` streams every row that matches the filters instead.',
  tags: ['Reports'],
  auth: { role: 'DR.Reader' },
  params: tenantPathParams,
  query: complianceQuery,
  responses: {
    200: {
      description: 'The report (JSON), or every matching row (CSV with format=csv)',
      schema: z.object({
        generatedAt: z.iso.datetime(),
        total: z.number().int(),
        counts,
        oldestLatestPointAt: z.iso.datetime().optional(),
        byPolicy: z.array(
          z.object({
            policyId: z.string(),
            rpoHours: z.number().int(),
            enabled: z.boolean(),
            total: z.number().int(),
            counts,
          }),
        ),
        byPrimaryRegion: z
          .array(z.object({ primaryRegion: z.string(), total: z.number().int(), counts }))
          .describe('The same devices per primary region: every region that holds any, by name'),
        capacityWarnings: z
          .array(
            z.object({
              policyId: z.string(),
              backupRegion: z.string(),
              rpoHours: z.number().int(),
              subscriptions: z.number().int(),
              subscriptionsNeeded: z.number().int(),
              binding: z.string(),
              feasible: z.boolean(),
              assumption: z.string(),
              message: z.string(),
            }),
          )
          .optional()
          .describe(
            "Policies whose RPO the tenant's subscriptions cannot meet for managed disks under Azure's limits",
          ),
        devices: z.array(row),
        continuationToken: z.string().optional(),
      }),
    },
  },
  handler: async ({ params, query }) => {
    const { compliance } = services();
    const { pageSize, continuationToken, status, format, ...rest } = query;
    const filter = { ...rest, ...(status ? { status: status as ComplianceStatus } : {}) };
    if (format === 'csv') {
      return {
        status: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="compliance-${params.tenantId}.csv"`,
        },
        body: csvStream(csvColumns, compliance.allRows(params.tenantId, filter), (row) =>
          csvColumns.map((column) => row[column]),
        ),
      };
    }
    const [summary, page] = await Promise.all([
      compliance.summary(params.tenantId),
      compliance.rows(params.tenantId, filter, {
        pageSize,
        continuationToken: decodeContinuationToken(continuationToken),
      }),
    ]);
    return json(200, {
      ...summary,
      devices: page.items,
      continuationToken: encodeContinuationToken(page.continuationToken),
    });
  },
});
