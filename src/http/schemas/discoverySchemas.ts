/** Request and response of device discovery (POST …/device-discoveries). */
import { z } from 'zod';
import { continuationToken } from './common';
import { deviceBody, policyId } from './protectionSchemas';
import { hostPoolId } from './recoverySchemas';

export const discoveryBody = z.strictObject({
  hostPoolId: hostPoolId.describe(
    "A personal host pool in the primary region, inside the tenant's managed-disk scopes",
  ),
  policyId,
  priorityTier: deviceBody.shape.priorityTier,
  idPrefix: z
    .string()
    .regex(
      /^([A-Za-z0-9][A-Za-z0-9._-]{0,47})?$/,
      'must be up to 48 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    )
    .default('')
    .describe(
      "Each device's id is this prefix and its session host's computer name (the name's first label, lower-case): the same on every discovery, so a second one updates the devices the first made",
    ),
  maxSessionHosts: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(500)
    .describe('At most this many session hosts in this answer; fewer when the request runs out of time'),
  continuationToken: continuationToken
    .optional()
    .describe("The previous answer's continuationToken: resumes after the last session host it covered"),
});

export const discoveryResult = z.object({
  sessionHost: z.string(),
  id: z.string().optional(),
  outcome: z.enum(['created', 'updated', 'unchanged', 'skipped', 'failed']),
  licensed: z.boolean().optional(),
  errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});

export const discoveryResponse = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  sessionHosts: z.number().int().describe("The pool's session hosts in all"),
  results: z.array(discoveryResult),
  continuationToken: z
    .string()
    .optional()
    .describe('Present while session hosts remain: send it back (same body otherwise) for the next ones'),
});
