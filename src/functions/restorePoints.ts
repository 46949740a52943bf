/** Restore points of a device, and manual restore points on demand: of one device, or of every device of a policy. */
import { z } from 'zod';
import { manualPointRefusals, maxSkippedListed, type ManualPointRefusal } from '../app/RestorePointService';
import { services } from '../compositionRoot';
import { RuleViolationError } from '../domain/errors';
import { json } from '../http/routeSpec';
import { idempotencyKey } from '../http/schemas/activationSchemas';
import { noQuery } from '../http/schemas/common';
import {
  devicePathParams,
  policyPathParams,
  restorePointNameSchema,
  restorePointResource,
} from '../http/schemas/protectionSchemas';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'listRestorePoints',
  method: 'GET',
  route: 'tenants/{tenantId}/devices/{deviceId}/restore-points',
  summary: "A device's restore points in its backup region, newest first",
  description:
    "Read from the backup region's storage alone, so it answers with the primary region down. Unverified points are copies in progress or failed; they are never used for recovery.",
  tags: ['Restore points'],
  auth: { role: 'DR.Reader' },
  params: devicePathParams,
  query: noQuery,
  responses: {
    200: { description: 'The restore points', schema: z.object({ items: z.array(restorePointResource) }) },
  },
  handler: async ({ params }) => {
    const { restorePoints, clock } = services();
    const now = clock.now().getTime();
    const points = await restorePoints.list(params.tenantId, params.deviceId);
    return json(200, {
      items: points.map((p) => ({
        name: p.name,
        region: p.region,
        takenAt: p.takenAt,
        ageMinutes: Math.floor((now - Date.parse(p.takenAt)) / 60_000),
        kind: p.kind,
        verified: p.verified,
        sizeBytes: p.sizeBytes,
      })),
    });
  },
});

defineHttp({
  name: 'requestRestorePoint',
  method: 'POST',
  route: 'tenants/{tenantId}/devices/{deviceId}/restore-points',
  summary: 'Take a manual restore point of a device now',
  description:
    'Accepted at once; the point appears in the list when copied and verified. The latest manual point is kept until the next replaces it.',
  tags: ['Restore points'],
  auth: { role: 'DR.Operator' },
  params: devicePathParams,
  query: noQuery,
  responses: {
    202: {
      description: 'Queued',
      schema: z.object({ name: restorePointNameSchema, takenAt: z.iso.datetime() }),
    },
  },
  handler: async ({ params }) =>
    json(202, await services().restorePoints.requestManual(params.tenantId, params.deviceId)),
});

const refusalReason = z
  .enum(manualPointRefusals as [ManualPointRefusal, ...ManualPointRefusal[]])
  .describe('Why the device was skipped: the code a manual point of that device alone is refused with');

const idempotencyHeader = 'idempotency-key';

/** The optional `Idempotency-Key`, under the rules an activation's key follows; present and bad is refused. */
function optionalIdempotencyKey(headers: Headers): string | undefined {
  const value = headers.get(idempotencyHeader);
  if (value === null) return undefined;
  const key = idempotencyKey.safeParse(value);
  if (!key.success)
    throw new RuleViolationError(
      'invalid-idempotency-key',
      key.error.issues[0]?.message ?? 'is not valid',
      'headers.Idempotency-Key',
    );
  return key.data;
}

defineHttp({
  name: 'requestPolicyRestorePoints',
  method: 'POST',
  route: 'tenants/{tenantId}/policies/{policyId}/restore-points',
  summary: 'Take a manual restore point of every device of a policy now',
  description:
    "Queues a manual point of each device of the policy that a single device's request would take: licensed, its policy enabled, its disk in the tenant's disk scopes; the others are skipped and counted by reason. " +
    "Accepted at once; each point appears in its device's list when copied and verified (a list read right after this answer may still be empty). " +
    'Every point queued has the same `takenAt`, in whole seconds: the same request again within that second makes no second point. ' +
    'An optional `Idempotency-Key` header (1-128 letters, digits, `.`, `_`, `:`, `-`) makes a retry safe at any later time (the key is kept at least 24 hours): ' +
    'the first request with the key records its `takenAt`, and a retry with the key takes the same points at that `takenAt`, so a request that answered 503 after queuing part of the set is completed by its retry with one point per device, never two. ' +
    'The key reused for another policy is refused (409 `idempotency-key-reused`). Without a key, a retry in a later second takes a second point of each device. ' +
    'A disabled policy is refused (400 `policy-disabled`).',
  tags: ['Restore points'],
  auth: { role: 'DR.Operator' },
  params: policyPathParams,
  query: noQuery,
  responses: {
    202: {
      description: 'Queued: how many, and how many skipped and why',
      schema: z.object({
        policyId: z.string(),
        takenAt: z.iso
          .datetime()
          .describe(
            "The request time of every point queued (with a key, its first request's): it fixes their names",
          ),
        queued: z
          .number()
          .int()
          .describe('Devices whose point is queued, or (a retry with a key) already taken or in progress'),
        skipped: z.number().int(),
        skippedByReason: z.record(refusalReason, z.number().int()),
        skippedDevices: z
          .array(z.object({ deviceId: z.string(), reason: refusalReason }))
          .describe(`The first ${maxSkippedListed} devices skipped, with why; \`skipped\` counts them all`),
      }),
    },
    409: { description: 'The idempotency key was used for another policy' },
  },
  handler: async ({ params, headers }) => {
    const idempotencyKey = optionalIdempotencyKey(headers);
    return json(
      202,
      await services().restorePoints.requestManualForPolicy(params.tenantId, params.policyId, {
        idempotencyKey,
      }),
    );
  },
});
