/** Request and response schemas of the audit trail. */
import { z } from 'zod';
import { auditOutcomes } from '../../domain/audit';
import { continuationToken, pageSize } from './common';

export const auditQuery = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional().describe('Records at or after this time'),
    to: z.iso.datetime({ offset: true }).optional().describe('Records before this time'),
    action: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9.-]{0,63}$/, 'must be an operation or event name such as putDevice')
      .optional(),
    format: z.enum(['json', 'csv']).default('json'),
    pageSize,
    continuationToken: continuationToken.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'must be later than from',
    path: ['to'],
  });

export const auditRecordResource = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  region: z.string(),
  tenantId: z.string(),
  actor: z.object({
    kind: z.enum(['user', 'application', 'anonymous', 'system']),
    objectId: z.string().optional(),
    upn: z.string().optional(),
    region: z.string().optional(),
  }),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(auditOutcomes as [string, ...string[]]),
  status: z.number().int().optional(),
  detail: z.string().optional(),
  correlationId: z.string().optional(),
});
