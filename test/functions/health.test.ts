import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('GET /api/health', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment();
  });
  afterAll(async () => await env.close());

  it('answers 200 with every dependency and its latency when all are reachable', async () => {
    const { status, body } = await call(`${env.baseUrl}/health`);
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.dependencies.map((d: { name: string }) => d.name).sort()).toEqual(
      ['state-store', 'storage:northeurope', 'storage:westeurope', 'work-queue'].sort(),
    );
    for (const dependency of body.dependencies) {
      expect(dependency.healthy).toBe(true);
      expect(dependency.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });
});
