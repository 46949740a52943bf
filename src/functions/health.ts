/** Liveness and readiness for Front Door's probes and for people: every dependency, with latency. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import { noQuery } from '../http/schemas/common';
import { json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';

const healthResource = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  region: z.string(),
  dependencies: z.array(
    z.object({ name: z.string(), healthy: z.boolean(), latencyMs: z.number(), error: z.string().optional() }),
  ),
});

defineHttp({
  name: 'getHealth',
  method: 'GET',
  route: 'health',
  summary: 'Health of this control-plane region and each dependency it reaches',
  tags: ['Operations'],
  auth: 'anonymous',
  query: noQuery,
  responses: {
    200: { description: 'Every dependency is reachable', schema: healthResource },
    503: { description: 'At least one dependency is not; the body names it', schema: healthResource },
  },
  handler: async () => {
    const { config } = services();
    const report = await services().checkHealth();
    return json(
      report.healthy ? 200 : 503,
      {
        status: report.healthy ? 'healthy' : 'unhealthy',
        region: config.region,
        dependencies: report.dependencies,
      },
      { 'cache-control': 'no-store' },
    );
  },
});
