/** Response schema of the platform trail (the security log): an audit record, with where from and how many. */
import { z } from 'zod';
import { auditRecordResource } from './auditSchemas';

export const securityRecordResource = auditRecordResource.extend({
  actor: auditRecordResource.shape.actor.extend({
    tenantId: z.string().optional().describe("The caller's own tenant, when it is not the trail's"),
  }),
  source: z
    .string()
    .optional()
    .describe('The client address the requests came from (an IPv6 one by its /64)'),
  count: z.number().int().optional().describe('How many requests in the minute this record stands for'),
});
