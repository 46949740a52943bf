import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { healthMaxAgeInMs } from '../../src/app/CachedHealth';
import { installServices, services } from '../../src/compositionRoot';
import { call } from '../support/http';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';
import { TestClock } from '../support/testClock';

/** What an anonymous caller may learn of a dependency: its name and whether it answers. */
const dependencyKeys = ['healthy', 'name'];

describe('GET /api/health', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment();
  });
  afterAll(async () => await env.close());

  it('answers 200 with every dependency by name and state, and nothing more of them', async () => {
    const { status, body } = await call(`${env.baseUrl}/health`);
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.dependencies.map((d: { name: string }) => d.name).sort()).toEqual(
      ['state-store', 'storage:northeurope', 'storage:westeurope', 'work-queue'].sort(),
    );
    for (const dependency of body.dependencies) {
      expect(Object.keys(dependency).sort()).toEqual(dependencyKeys);
      expect(dependency.healthy).toBe(true);
    }
  });
});

describe('GET /api/health from a recent check', () => {
  let env: TestEnvironment;
  const clock = new TestClock(Date.parse('2026-03-02T00:00:00Z'));
  beforeAll(async () => {
    env = await startTestEnvironment();
    const built = services();
    installServices({ clock });
    await built.dispose();
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => await env.close());

  it('calls the dependencies once for requests within 5 s, again after, and once for requests at the same time', async () => {
    const check = vi.spyOn(services(), 'checkHealth');
    const health = async () => (await call(`${env.baseUrl}/health`)).status;

    expect([await health(), await health()]).toEqual([200, 200]);
    clock.time += healthMaxAgeInMs - 1;
    expect(await health()).toBe(200);
    expect(check).toHaveBeenCalledTimes(1);

    clock.time += 1;
    expect(await health()).toBe(200);
    expect(check).toHaveBeenCalledTimes(2);

    clock.time += healthMaxAgeInMs;
    expect(await Promise.all(Array.from({ length: 8 }, health))).toEqual(Array(8).fill(200));
    expect(check).toHaveBeenCalledTimes(3);
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
    afterEach(() => vi.restoreAllMocks());
    afterAll(async () => await env.close());

    it(`answers ${code} (${state}) naming the dependency that is not reachable, and still reports the others`, async () => {
      const { status, body } = await call(`${env.baseUrl}/health`);
      expect(status).toBe(code);
      expect(body.status).toBe(state);
      const byName = Object.fromEntries(body.dependencies.map((d: { name: string }) => [d.name, d]));
      const other = region === 'westeurope' ? 'northeurope' : 'westeurope';
      expect(byName[`storage:${region}`]).toEqual({ name: `storage:${region}`, healthy: false });
      expect(byName[`storage:${other}`]).toEqual({ name: `storage:${other}`, healthy: true });
      expect(byName['state-store']).toEqual({ name: 'state-store', healthy: true });
    });

    it('logs why the dependency does not answer, and keeps the reason out of the anonymous answer', async () => {
      const logged: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
      // A new check (the one the other test made may still be fresh) that fails at once with the
      // storage client's own message, instead of waiting out the check's timeout.
      const built = services();
      installServices({ storageRetry: { maxTries: 1, retryDelayInMs: 0 } });
      await built.dispose();
      const response = await call(`${env.baseUrl}/health`);
      expect(response.status).toBe(code);

      const events = logged
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((e) => e['event'] === 'health.dependency-unhealthy');
      expect(events).toEqual([
        expect.objectContaining({
          dependency: `storage:${region}`,
          essential: region === 'westeurope',
          reason: expect.any(String),
          latencyMs: expect.any(Number),
        }),
      ]);
      const reason = events[0]!['reason'] as string;
      expect(reason).toMatch(/ECONNREFUSED/);
      expect(response.text).not.toContain(reason);
      expect(response.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|error|latency/i);
    });
  },
);
