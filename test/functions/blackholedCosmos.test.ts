/**
 * The state store stops answering: a blackhole proxy in front of the Cosmos DB emulator accepts
 * connections and never answers. Every route that needs it answers 503 naming `state-store` within
 * its bound, changes nothing, and health says the region cannot serve; once the circuit is open
 * the answers come at once; when the blackhole lifts everything works again, nothing lost or doubled.
 *
 * The circuit breakers run on a clock of the test's own, as in blackholedPrimary.test.ts: an open
 * circuit stays open until a test moves that clock past its window, however slow the machine.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { CosmosClient } from '@azure/cosmos';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultBudgets } from '../../src/adapters/deadlines/budgets';
import { installServices, services } from '../../src/compositionRoot';
import { installOrchestrationClient } from '../../src/functions/orchestrationClient';
import type { OrchestrationClient } from '../../src/ports/OrchestrationClient';
import { createDisk } from '../support/disks';
import { call, type TestResponse } from '../support/http';
import { proxiedCosmos, regionStorageWith, timed, type ProxiedCosmos } from '../support/outage';
import { stateSnapshot } from '../support/stateSnapshot';
import { diskScope, provisionTenant } from '../support/tenants';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const bound = defaultBudgets.httpRequestInMs;
const generousBound = 2 * bound;
const fastFail = defaultBudgets.request.read / 2;

/** The breakers' clock: stands still unless a test moves it. */
class BreakerClock {
  constructor(public time: number) {}
  now(): Date {
    return new Date(this.time);
  }
}

describe('with the state store (Cosmos DB) blackholed', () => {
  const emulators = inject('emulators');
  let cosmos: ProxiedCosmos;
  let direct: CosmosClient;
  let env: TestEnvironment;
  let admin: string;
  let operator: string;
  const tenantId = randomUUID();
  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;
  const container = `bhc-${randomBytes(6).toString('hex')}`;
  const timings: { route: string; status: number; ms: number }[] = [];
  const breakerClock = new BreakerClock(Date.now());
  /** Lets the open circuit's window lapse: the next call to the state store probes it. */
  const circuitTimeIsUp = () => void (breakerClock.time += defaultBudgets.breaker.openForMs);
  /** Orchestrations the activation route starts: recorded, not run (no driver in this file). */
  const started: string[] = [];
  const orchestrations: OrchestrationClient = {
    startNew: async (_name, { instanceId }) => (started.push(instanceId), instanceId),
    getStatus: async () => undefined,
    raiseEvent: async () => undefined,
    terminate: async () => undefined,
  };
  const device = (id: string) => ({
    upn: `${id}@contoso.test`,
    primaryRegion: 'westeurope',
    disk: { container, blob: `${id}.vhd` },
    policyId: 'hourly',
    priorityTier: 1,
  });

  async function timedCall(route: string, url: string, init: Parameters<typeof call>[1] = {}) {
    const { ms, value } = await timed(() => call(url, init));
    timings.push({ route, status: value.status, ms });
    expect(ms, `${route} answered ${value.status} after ${ms} ms`).toBeLessThan(generousBound);
    return value;
  }

  function expectStateStoreUnavailable(response: TestResponse): void {
    expect(response.status, response.text).toBe(503);
    expect(response.body).toMatchObject({ code: 'dependency-unavailable', dependency: 'state-store' });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  /** The routes, each with what it sends: reads and writes of every kind that need the state store. */
  const routes = (): [string, string, Parameters<typeof call>[1]][] => [
    ['GET tenant', api(''), { token: admin }],
    [
      'PUT tenant',
      api(''),
      { method: 'PUT', token: admin, json: { name: 'Renamed', allowedBackupRegions: ['northeurope'] } },
    ],
    [
      'PUT policy',
      api('/policies/daily'),
      { method: 'PUT', token: admin, json: { name: 'Daily', backupRegion: 'northeurope', rpoHours: 24 } },
    ],
    ['PUT device', api('/devices/new-1'), { method: 'PUT', token: admin, json: device('new-1') }],
    ['GET devices', api('/devices'), { token: admin }],
    ['GET compliance', api('/compliance'), { token: admin }],
    [
      'POST restore-points (manual)',
      api('/devices/dev-1/restore-points'),
      { method: 'POST', token: operator },
    ],
    [
      'POST activations',
      api('/activations'),
      {
        method: 'POST',
        token: operator,
        headers: { 'idempotency-key': 'cosmos-outage-1' },
        json: { scope: { kind: 'devices', deviceIds: ['dev-1'] } },
      },
    ],
    ['GET audit', api('/audit'), { token: admin }],
  ];

  beforeAll(async () => {
    cosmos = await proxiedCosmos(emulators);
    env = await startTestEnvironment({
      CosmosConnection: cosmos.connectionString,
      REGION_STORAGE: regionStorageWith(emulators, []),
    });
    direct = cosmos.directClient();
    installServices({ breakerClock });
    installOrchestrationClient(orchestrations);
    admin = await env.token(tenantId, ['DR.Admin']);
    operator = await env.token(tenantId, ['DR.Operator']);
    await provisionTenant(env, tenantId, { licences: 5, diskScopes: [diskScope(container)] });
    const policy = await call(api('/policies/hourly'), {
      method: 'PUT',
      token: admin,
      json: { name: 'Hourly', backupRegion: 'northeurope', rpoHours: 1 },
    });
    expect(policy.status, policy.text).toBe(201);
    const storage = JSON.parse(env.settings.REGION_STORAGE!) as Record<string, string>;
    const disks = BlobServiceClient.fromConnectionString(storage['westeurope']!);
    for (const id of ['dev-1', 'new-1']) await createDisk(disks, container, `${id}.vhd`);
    const registered = await call(api('/devices/dev-1'), {
      method: 'PUT',
      token: admin,
      json: device('dev-1'),
    });
    expect(registered.status, registered.text).toBe(201);
  });

  afterAll(async () => {
    installOrchestrationClient(undefined);
    direct?.dispose();
    await env?.close();
    await cosmos?.close();
    console.log(
      `Answer times with the state store blackholed (bound ${bound} ms):\n` +
        timings.map((t) => `  ${t.route.padEnd(40)} ${t.status}  ${t.ms} ms`).join('\n'),
    );
  });

  it('answers 503 naming state-store within the bound on every route that needs it, changing nothing, and health says so', async () => {
    cosmos.proxy.setMode('blackhole');
    const before = await stateSnapshot(direct);
    for (const [route, url, init] of routes()) {
      expectStateStoreUnavailable(await timedCall(route, url, init));
    }
    const health = await timedCall('GET health', `${env.baseUrl}/health`);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('unhealthy');
    expect(health.body.dependencies).toContainEqual({ name: 'state-store', healthy: false });
    expect(health.body.dependencies).toContainEqual({ name: 'storage:westeurope', healthy: true });
    expect(await stateSnapshot(direct)).toEqual(before);
    // The calls were aborted, not abandoned: no connection is left holding a request.
    expect(cosmos.proxy.swallowedBytes()).toBeGreaterThan(0);
    await expect.poll(() => cosmos.proxy.brokenConnections(), { timeout: 5_000 }).toBe(0);
  });

  it("answers at once while the state store's circuit is open", async () => {
    // The circuit's time is up: this call probes the state store, waits its budget in the
    // blackhole, and its failure opens the circuit again...
    circuitTimeIsUp();
    const beforeProbe = cosmos.proxy.swallowedBytes();
    expectStateStoreUnavailable(await timedCall('GET tenant (probe)', api(''), { token: admin }));
    const afterProbe = cosmos.proxy.swallowedBytes();
    expect(afterProbe).toBeGreaterThan(beforeProbe);
    expect(services().dependencyGuards.openDependencies()).toContain('state-store');
    // ...and open it stays however long that took: the next calls fail at once, unsent.
    expectStateStoreUnavailable(await timedCall('GET tenant (circuit open)', api(''), { token: admin }));
    expect(timings.at(-1)!.ms).toBeLessThan(fastFail);
    expectStateStoreUnavailable(
      await timedCall('PUT device (circuit open)', api('/devices/new-1'), {
        method: 'PUT',
        token: admin,
        json: device('new-1'),
      }),
    );
    expect(timings.at(-1)!.ms).toBeLessThan(fastFail);
    expect(cosmos.proxy.swallowedBytes()).toBe(afterProbe);
  });

  it('works again when the blackhole lifts, with nothing lost or doubled', async () => {
    const before = await stateSnapshot(direct);
    cosmos.proxy.setMode('pass');
    // The state store answers again, but its circuit is open: calls still fail at once...
    expectStateStoreUnavailable(await call(api(''), { token: admin }));
    // ...until its time is up: then one call probes it, and its answer closes the circuit.
    circuitTimeIsUp();
    expect((await call(api(''), { token: admin })).status).toBe(200);
    expect(services().dependencyGuards.openDependencies()).not.toContain('state-store');
    expect(await stateSnapshot(direct)).toEqual(before);
    await expect
      .poll(async () => (await call(`${env.baseUrl}/health`)).body.status, {
        timeout: 30_000,
        interval: 1_000,
      })
      .toBe('healthy');

    // The writes refused during the outage, sent again, each take effect once.
    const renamed = await call(api(''), { method: 'PUT', token: admin, json: routes()[1]![2]!.json });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.name).toBe('Renamed');
    const created = await call(api('/devices/new-1'), { method: 'PUT', token: admin, json: device('new-1') });
    expect(created.status, created.text).toBe(201);
    const devices = (await call(api('/devices'), { token: admin })).body.items.map(
      (d: { id: string }) => d.id,
    );
    expect(devices.sort()).toEqual(['dev-1', 'new-1']);
    const [, , activationInit] = routes().find(([route]) => route === 'POST activations')!;
    const first = await call(api('/activations'), activationInit);
    const again = await call(api('/activations'), activationInit);
    expect([first.status, again.status], first.text).toEqual([202, 202]);
    expect(again.body.id).toBe(first.body.id);
    expect((await call(api('/activations'), { token: admin })).body.items).toHaveLength(1);
    expect(started).toEqual([started[0], started[0]]);
    const after = await stateSnapshot(direct);
    expect(after['devices']!.filter((d) => (d as { id: string }).id === 'new-1')).toHaveLength(1);
  });
});
