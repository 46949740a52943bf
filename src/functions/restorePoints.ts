/** Restore points of a device, and manual restore points on demand. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import { json } from '../http/routeSpec';
import { noQuery } from '../http/schemas/common';
import {
  devicePathParams,
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
