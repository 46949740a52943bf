import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('GET /api/health', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment();
  });
  afterAll(async () => env.close());

  it('answers 200 with every dependency and its latency when all are reachable', async () => {
    const response = await fetch(`${env.baseUrl}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
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
