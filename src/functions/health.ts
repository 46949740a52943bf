/**
 * Liveness and readiness for Front Door's probes and for people: the state of this region and of
 * each dependency it reaches, from a check at most a few seconds old (CachedHealth). The answer is
 * anonymous, so it says which dependency is down, never why: error text and latency go to the log.
 */
import { z } from 'zod';
import { CachedHealth, healthMaxAgeInMs } from '../app/CachedHealth';
import { consoleEventLog } from '../adapters/logging/consoleEventLog';
import { services, type Services } from '../compositionRoot';
import { noQuery } from '../http/schemas/common';
import { json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';

const healthResource = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  region: z.string(),
  dependencies: z.array(z.object({ name: z.string(), healthy: z.boolean() })),
});

/**
 * One cache per services instance, made on first use: a process has one, and a test that builds
 * its services anew (another configuration, another clock) starts with an empty cache, as a new
 * process would. Its events go where the process's other events go in production.
 */
const cachedHealth = new WeakMap<Services, CachedHealth>();

function healthOf(current: Services): CachedHealth {
  let health = cachedHealth.get(current);
  if (!health) {
    health = new CachedHealth(() => current.checkHealth(), current.clock, consoleEventLog);
    cachedHealth.set(current, health);
  }
  return health;
}

defineHttp({
  name: 'getHealth',
  method: 'GET',
  route: 'health',
  summary: 'Health of this control-plane region and each dependency it reaches',
  description:
    "200 while this region can serve: its state store, work queue and own storage answer. Another region's storage " +
    'not answering makes it `degraded`, still 200: that is what a regional outage looks like, and this region must ' +
    `stay in rotation to recover from it. The answer comes from a check at most ${healthMaxAgeInMs / 1000} s old, ` +
    'and names a dependency that does not answer without saying why: the reason is in the log.',
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
    const current = services();
    const report = await healthOf(current).report();
    return json(
      report.healthy ? 200 : 503,
      {
        status: report.healthy ? (report.degraded ? 'degraded' : 'healthy') : 'unhealthy',
        region: current.config.region,
        dependencies: report.dependencies.map(({ name, healthy }) => ({ name, healthy })),
      },
      { 'cache-control': 'no-store' },
    );
  },
});
