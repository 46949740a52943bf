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

/** Its storage replaced by a port nobody listens on. */
function unreachable(storage: Record<string, string>, region: string): string {
  return JSON.stringify({
    ...storage,
    [region]: storage[region]!.replace(
      /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      'BlobEndpoint=http://127.0.0.1:1',
    ),
  });
}

describe.each([
  // Another region's storage: what a disaster looks like; this region must stay in rotation.
  ['northeurope', 200, 'degraded'],
  // Its own: it cannot serve.
  ['westeurope', 503, 'unhealthy'],
])(
  'GET /api/health with the storage of %s unreachable (the plane runs in westeurope)',
  (region, code, state) => {
    let env: TestEnvironment;
    beforeAll(async () => {
      const healthy = await startTestEnvironment();
      const storage = JSON.parse(healthy.settings.REGION_STORAGE!) as Record<string, string>;
      await healthy.close();
      env = await startTestEnvironment({ REGION_STORAGE: unreachable(storage, region) });
    });
    afterAll(async () => await env.close());

    it(`answers ${code} (${state}) naming the dependency that is not reachable, and still reports the others`, async () => {
      const { status, body } = await call(`${env.baseUrl}/health`);
      expect(status).toBe(code);
      expect(body.status).toBe(state);
      const byName = Object.fromEntries(body.dependencies.map((d: { name: string }) => [d.name, d]));
      const other = region === 'westeurope' ? 'northeurope' : 'westeurope';
      expect(byName[`storage:${region}`]).toMatchObject({ healthy: false, error: expect.any(String) });
      expect(byName[`storage:${other}`]).toMatchObject({ healthy: true });
      expect(byName['state-store']).toMatchObject({ healthy: true, essential: true });
      expect(byName['storage:westeurope'].essential).toBe(true);
      expect(byName['storage:northeurope'].essential).toBe(false);
    });
  },
);
