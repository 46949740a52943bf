/** Liveness and readiness for Front Door's probes and for people: every dependency, with latency. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import { noQuery } from '../http/schemas/common';
import { json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';

const healthResource = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  region: z.string(),
  dependencies: z.array(
    z.object({
      name: z.string(),
      essential: z.boolean(),
      healthy: z.boolean(),
      latencyMs: z.number(),
      error: z.string().optional(),
    }),
  ),
});

defineHttp({
  name: 'getHealth',
  method: 'GET',
  route: 'health',
  summary: 'Health of this control-plane region and each dependency it reaches',
  description:
    "200 while this region can serve: its state store, work queue and own storage answer. Another region's storage " +
    'not answering makes it `degraded`, still 200: that is what a regional outage looks like, and this region must ' +
    'stay in rotation to recover from it.',
  tags: ['Operations'],
  auth: 'anonymous',
  query: noQuery,
  responses: {
    200: { description: 'This region can serve (`healthy`, or `degraded`)', schema: healthResource },
    503: {
      description: 'An essential dependency does not answer; the body names it',
      schema: healthResource,
    },
  },
  handler: async () => {
    const { config } = services();
    const report = await services().checkHealth();
    return json(
      report.healthy ? 200 : 503,
      {
        status: report.healthy ? (report.degraded ? 'degraded' : 'healthy') : 'unhealthy',
        region: config.region,
        dependencies: report.dependencies,
      },
      { 'cache-control': 'no-store' },
    );
  },
});
