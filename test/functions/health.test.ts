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

describe('GET /api/health with a region unreachable', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    const healthy = await startTestEnvironment();
    const storage = JSON.parse(healthy.settings.REGION_STORAGE!) as Record<string, string>;
    await healthy.close();
    storage['northeurope'] = storage['northeurope']!.replace(
      /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      'BlobEndpoint=http://127.0.0.1:1',
    );
    env = await startTestEnvironment({ REGION_STORAGE: JSON.stringify(storage) });
  });
  afterAll(async () => await env.close());

  it('answers 503 naming the dependency that is not reachable, and still reports the others', async () => {
    const { status, body } = await call(`${env.baseUrl}/health`);
    expect(status).toBe(503);
    expect(body.status).toBe('unhealthy');
    const byName = Object.fromEntries(body.dependencies.map((d: { name: string }) => [d.name, d]));
    expect(byName['storage:northeurope']).toMatchObject({ healthy: false, error: expect.any(String) });
    expect(byName['storage:westeurope']).toMatchObject({ healthy: true });
    expect(byName['state-store']).toMatchObject({ healthy: true });
  });
});
