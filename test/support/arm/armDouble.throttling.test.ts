import { afterEach, describe, expect, it } from 'vitest';
import { computeClient, rawRequest } from './armTestClient';
import { startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000e1';
const RG = 'rg-primary';
const DISK_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/d?api-version=2026-03-02`;

async function bearer(
  double: ArmDouble,
  principal: string,
  callerRegion?: string,
): Promise<Record<string, string>> {
  const token = await double
    .credentialFor(principal, callerRegion ? { callerRegion } : undefined)
    .getToken('https://management.azure.com/.default');
  return { authorization: `Bearer ${token?.token ?? ''}` };
}

describe('ARM double: token-bucket throttling', () => {
  let double: ArmDouble;
  afterEach(async () => await double.close());

  const seed = async () =>
    await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'd',
      location: 'westeurope',
      sizeGB: 32,
      osType: 'Linux',
      hyperVGeneration: 'V2',
    });

  it("answers 429 SubscriptionRequestsThrottled with Retry-After and zero remaining once a principal's read bucket is empty", async () => {
    // Real-time scale and a tiny bucket so the test does not depend on speed.
    double = await startArmDouble({ timeScale: 1, limits: { readsBucket: 3, readsRefillPerSecond: 0.5 } });
    await seed();
    const auth = await bearer(double, 'worker');
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const ok = await rawRequest(double, 'GET', DISK_PATH, auth);
      expect(ok.status).toBe(200);
      remaining.push(String(ok.headers['x-ms-ratelimit-remaining-subscription-reads']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const throttled = await rawRequest(double, 'GET', DISK_PATH, auth);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(throttled.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    expect(JSON.parse(throttled.body).error.code).toBe('SubscriptionRequestsThrottled');
    // Another principal has its own bucket; so does the same principal reaching another ARM region.
    expect((await rawRequest(double, 'GET', DISK_PATH, await bearer(double, 'other'))).status).toBe(200);
    expect(
      (await rawRequest(double, 'GET', DISK_PATH, await bearer(double, 'worker', 'northeurope'))).status,
    ).toBe(200);
    // Writes are a different bucket.
    const write = await rawRequest(double, 'PATCH', DISK_PATH.replace('/disks/d', '/snapshots/none'), auth, {
      tags: {},
    });
    expect(write.status).toBe(404);
    expect(write.headers['x-ms-ratelimit-remaining-subscription-writes']).toBeDefined();
    const stats = double.stats();
    expect(stats.throttled).toBe(1);
    expect(stats.overBudget).toBe(1);
    expect(stats.throttledBy).toEqual([
      { principalId: 'worker', subscriptionId: SUB, kind: 'read', count: 1 },
    ]);
  });

  it("lets the SDK's throttling retry policy wait out Retry-After and succeed", async () => {
    double = await startArmDouble({ timeScale: 1, limits: { readsBucket: 2, readsRefillPerSecond: 1 } });
    await seed();
    const client = computeClient(double, SUB);
    const attempts: { status: number; at: number; retryAfter: number }[] = [];
    client.pipeline.addPolicy(
      {
        name: 'recordAttempts',
        sendRequest: async (request, next) => {
          const response = await next(request);
          attempts.push({
            status: response.status,
            at: Date.now(),
            retryAfter: Number(response.headers.get('retry-after') ?? 0),
          });
          return response;
        },
      },
      { afterPhase: 'Retry' },
    );
    for (let i = 0; i < 3; i += 1) expect((await client.disks.get(RG, 'd')).name).toBe('d');
    const throttledAt = attempts.findIndex((a) => a.status === 429);
    expect(throttledAt).toBeGreaterThanOrEqual(0);
    const retry = attempts[throttledAt + 1]!;
    expect(retry.status).toBe(200);
    // Generous lower bound: the SDK slept at least the Retry-After it was given.
    expect(retry.at - attempts[throttledAt]!.at).toBeGreaterThanOrEqual(
      attempts[throttledAt]!.retryAfter * 1000 - 50,
    );
    expect(double.stats().throttled).toBe(1);
  });

  it('throttles all principals together at the subscription-wide (global) bucket', async () => {
    double = await startArmDouble({
      timeScale: 1,
      limits: { readsBucket: 2, readsRefillPerSecond: 0.01, globalMultiplier: 1.5 },
    });
    await seed();
    const a = await bearer(double, 'a');
    const b = await bearer(double, 'b');
    expect((await rawRequest(double, 'GET', DISK_PATH, a)).status).toBe(200);
    const second = await rawRequest(double, 'GET', DISK_PATH, a);
    expect(second.headers['x-ms-ratelimit-remaining-subscription-global-reads']).toBe('1');
    expect((await rawRequest(double, 'GET', DISK_PATH, b)).status).toBe(200);
    const refused = await rawRequest(double, 'GET', DISK_PATH, b);
    expect(refused.status).toBe(429);
    expect(refused.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('1');
    expect(refused.headers['x-ms-ratelimit-remaining-subscription-global-reads']).toBe('0');
  });

  it('in count mode answers anyway and counts the calls over budget', async () => {
    double = await startArmDouble({
      timeScale: 1,
      throttling: 'count',
      limits: { readsBucket: 1, readsRefillPerSecond: 0.01 },
    });
    await seed();
    const auth = await bearer(double, 'bench');
    for (let i = 0; i < 3; i += 1)
      expect((await rawRequest(double, 'GET', DISK_PATH, auth)).status).toBe(200);
    expect(double.stats()).toMatchObject({ throttled: 0, overBudget: 2 });
  });
});
