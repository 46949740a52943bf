/**
 * Fuzzes every registered route with inputs derived from its own spec (test/support/fuzzInputs.ts),
 * as an admin of the right tenant so that input validation, not auth, is what answers. Whatever
 * comes in: never a 5xx; every 4xx is problem+json naming the field or the reason; a refusal, or
 * anything certainly invalid, changes no document; and nothing reaches Object.prototype.
 *
 * `npm test` runs FUZZ_RUNS=200 inputs per route from the fixed FUZZ_SEED=20260707. A larger run:
 *   FUZZ_RUNS=5000 npx vitest run test/functions/fuzz.test.ts
 * and another seed: FUZZ_SEED=<n>. A failure names the route, the input's index and what was done
 * to the valid request, so the same seed and runs replay it.
 */
import type { CosmosClient } from '@azure/cosmos';
import { request as httpRequest, Agent } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import { getConfig } from '../../src/config';
import { mapConcurrently } from '../../src/app/mapConcurrently';
import { installOrchestrationClient } from '../../src/functions/orchestrationClient';
import { httpFunctions, type HttpFunction } from '../../src/functions/registry';
import { importRow } from '../../src/http/schemas/protectionSchemas';
import { PlatformRole } from '../../src/domain/roles';
import type { OrchestrationClient } from '../../src/ports/OrchestrationClient';
import { createDisk, regionBlobService } from '../support/disks';
import { fuzzRequests, Rng, type FuzzRequest, type FuzzTarget } from '../support/fuzzInputs';
import { call } from '../support/http';
import { platformToken as platformTokenOf } from '../support/tenants';
import { stateSnapshot } from '../support/stateSnapshot';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const runs = Number(process.env['FUZZ_RUNS'] ?? 200);
const seed = Number(process.env['FUZZ_SEED'] ?? 20260707);

const tenantId = randomUUID();
const otherTenantId = randomUUID();
const diskContainer = `fuzz-${randomUUID().slice(0, 8)}`;
const deviceIds = ['fuzz-device', 'fuzz-device-2', 'fuzz-device-3'];
const upn = 'ada@contoso.test';

/** Each device its own disk: two devices cannot share one. */
function deviceBody(id = 'fuzz-device') {
  return {
    upn,
    primaryRegion: 'westeurope',
    disk: { container: diskContainer, blob: `${id}.vhd` },
    policyId: 'fuzz-policy',
    priorityTier: 2,
  };
}

/** A valid body per route that takes one: the generator mutates it. */
const validBodies: Record<string, unknown> = {
  putTenant: { name: 'Contoso', allowedBackupRegions: ['northeurope'] },
  putPlatformTenant: {
    name: 'Contoso',
    licences: 10,
    allowedBackupRegions: ['northeurope'],
    diskScopes: [
      { kind: 'pageBlob', region: 'westeurope', container: diskContainer },
      // Where the policy's recovery subnet is: recovery settings name only what lies in the scopes.
      {
        kind: 'managedDisk',
        armScope: '/subscriptions/00000000-0000-4000-8000-000000000029/resourceGroups/rg-net',
      },
    ],
  },
  putPolicy: {
    name: 'Fuzz',
    backupRegion: 'northeurope',
    rpoHours: 4,
    retention: { latest: 10, weekly: 4, keepLatestManual: true },
    enabled: true,
    contentCheck: { sampleEvery: 10 },
    recovery: {
      subnetIds: [
        '/subscriptions/00000000-0000-4000-8000-000000000029/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/desktops',
      ],
      fallbackSizes: ['Standard_D4s_v5'],
      zones: ['1'],
    },
  },
  putDevice: deviceBody(),
  importDevices: { devices: [{ id: 'imported-1', ...deviceBody('imported-1') }] },
  discoverDevices: {
    hostPoolId:
      '/subscriptions/00000000-0000-4000-8000-000000000029/resourceGroups/rg-desktops/providers/Microsoft.DesktopVirtualization/hostPools/hp-personal',
    policyId: 'fuzz-policy',
    idPrefix: 'found-',
    maxSessionHosts: 10,
  },
  activateRecovery: {
    scope: { kind: 'devices', deviceIds: ['fuzz-device'] },
    recoverFirst: ['fuzz-device'],
    waveDeadlineMinutes: 60,
  },
  previewActivation: {
    scope: { kind: 'devices', deviceIds: ['fuzz-device'] },
    recoverFirst: ['fuzz-device'],
    waveDeadlineMinutes: 60,
  },
};

/** Starting an orchestration is recorded, never run: a valid activation only writes its document. */
const orchestrations: OrchestrationClient = {
  startNew: async (_name, options) => options.instanceId,
  getStatus: async () => undefined,
  raiseEvent: async () => undefined,
  terminate: async () => undefined,
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** node:http rather than fetch: the path goes out exactly as generated (`..`, `%00`, bad escapes). */
/**
 * Each input comes from an address of its own, as Front Door tells it: the per-address limit on
 * unauthenticated requests would otherwise answer most of an anonymous route's inputs 429, and the
 * route's own contract would go untested. Addresses from the benchmarking range (RFC 2544); only
 * header values, nothing is sent to them.
 */
const frontDoorId = '0f1e2d3c-4b5a-4968-8776-655443322110';
let sent = 0;
function fromOwnAddress(): Record<string, string> {
  sent += 1;
  return { 'x-azure-fdid': frontDoorId, 'x-azure-socketip': `198.18.${(sent >> 8) & 255}.${sent & 255}` };
}

async function send(port: number, input: FuzzRequest, token: string): Promise<RawResponse> {
  return await new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: input.method,
        path: `/api/${input.path}${input.query}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...fromOwnAddress(),
          ...(input.body ? { 'content-length': String(input.body.byteLength) } : {}),
          ...input.headers,
        },
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    req.end(input.body ? Buffer.from(input.body) : undefined);
  });
}

/** What is wrong with one answer, if anything; empty when it keeps the contract. */
function contractBreaches(input: FuzzRequest, response: RawResponse): string[] {
  const breaches: string[] = [];
  const { status } = response;
  if (status >= 500 || status < 100) breaches.push(`answered ${status}`);
  if (input.mustRefuse && (status < 400 || status >= 500))
    breaches.push(`accepted (${status}) a request it must refuse`);
  const correlationId = response.headers['x-correlation-id'];
  if (typeof correlationId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(correlationId)) {
    breaches.push(`x-correlation-id is ${JSON.stringify(correlationId)}`);
  }
  if (status >= 400) {
    const contentType = String(response.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/problem+json')) breaches.push(`content type "${contentType}"`);
    let body: any;
    try {
      body = JSON.parse(response.text);
    } catch {
      breaches.push(`body is not JSON: ${response.text.slice(0, 100)}`);
      return breaches;
    }
    if (body?.status !== status) breaches.push(`problem status ${body?.status} on a ${status}`);
    if (typeof body?.code !== 'string' || body.code === '') breaches.push('problem has no code');
    if (typeof body?.detail !== 'string' || body.detail === '')
      breaches.push('problem has no detail (the reason)');
    if (body?.correlationId !== correlationId) breaches.push('problem correlationId differs from the header');
    // Bad input (400) and too much of it (413) say which field and why.
    if (status === 400 || status === 413) {
      const errors = body?.errors;
      if (!Array.isArray(errors) || errors.length === 0) breaches.push(`a ${status} without errors[]`);
      else if (
        !errors.every(
          (e: any) => typeof e?.field === 'string' && e.field && typeof e?.reason === 'string' && e.reason,
        )
      ) {
        breaches.push('an error without field or reason');
      }
    }
    // A problem describes the request; it must not grow with it (100k bad elements, 1 MiB strings).
    if (response.text.length > 16 * 1024) breaches.push(`problem is ${response.text.length} characters`);
  }
  return breaches;
}

const routes = httpFunctions();

describe('fuzzing every route', () => {
  let env: TestEnvironment;
  let port: number;
  let admin: { token: string; uses: number } = { token: '', uses: Infinity };
  let platform: { token: string; uses: number } = { token: '', uses: Infinity };
  let cosmos: CosmosClient;
  const activationIds: string[] = [];
  const tokens = new Set<string>();
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  const arrayPrototypeKeys = Object.getOwnPropertyNames(Array.prototype).sort();
  const rng = new Rng(seed);
  let dirty = false;
  let keys = 0;

  const api = (path: string) => `${env.baseUrl}/tenants/${tenantId}${path}`;

  /**
   * An admin of the tenant. Mutations are rate-limited per caller (a token's oid), which is not
   * what this suite exercises: each token, a new caller, serves fewer requests than the burst.
   */
  async function adminToken(): Promise<string> {
    if (admin.uses >= 50)
      admin = { token: await env.token(tenantId, ['DR.Admin'], { upn: 'admin@contoso.test' }), uses: 0 };
    admin.uses += 1;
    return admin.token;
  }

  /** The deployment's platform admin, for the platform's routes, a new caller now and then likewise. */
  async function platformToken(): Promise<string> {
    if (platform.uses >= 50) platform = { token: await platformTokenOf(env), uses: 0 };
    platform.uses += 1;
    return platform.token;
  }

  /** The token a valid request of the route carries. */
  async function tokenFor(fn: HttpFunction): Promise<string> {
    return isPlatformRoute(fn) ? await platformToken() : await adminToken();
  }

  async function ok(path: string, init: Parameters<typeof call>[1]) {
    const response = await call(api(path), { token: await adminToken(), ...init });
    expect(response.status, `${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  /** The tenant, its policy, devices and two activations, as a valid request expects them. */
  async function seedState(): Promise<void> {
    const created = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: await platformToken(),
      json: validBodies['putPlatformTenant'],
    });
    expect(created.status, created.text).toBeLessThan(300);
    await ok('/policies/fuzz-policy', { method: 'PUT', json: validBodies['putPolicy'] });
    for (const id of deviceIds) await ok(`/devices/${id}`, { method: 'PUT', json: deviceBody(id) });
    activationIds.length = 0;
    for (const [key, id] of [
      ['fuzz-seed-1', 'fuzz-device'],
      ['fuzz-seed-2', 'fuzz-device-2'],
    ] as const) {
      const response = await ok('/activations', {
        method: 'POST',
        headers: { 'idempotency-key': key },
        json: { scope: { kind: 'devices', deviceIds: [id] } },
      });
      activationIds.push(response.body.id as string);
    }
  }

  beforeAll(async () => {
    env = await startTestEnvironment({ FRONT_DOOR_ID: frontDoorId });
    port = Number(new URL(env.baseUrl).port);
    installOrchestrationClient(orchestrations);
    cosmos = createCosmosClient(getConfig().cosmos.connection);
    const disks = regionBlobService(env.settings, 'westeurope');
    for (const id of [...deviceIds, 'imported-1']) await createDisk(disks, diskContainer, `${id}.vhd`);
    await seedState();
    // Real continuation tokens, to replay on routes and queries they do not belong to.
    for (const path of ['/devices?pageSize=1', '/compliance?pageSize=1', '/activations?pageSize=1']) {
      const token = (await ok(path, {})).body.continuationToken as string | undefined;
      if (token) tokens.add(token);
    }
  }, 120_000);

  afterAll(async () => {
    installOrchestrationClient(undefined);
    agent.destroy();
    cosmos?.dispose();
    await env?.close();
  });

  function targetOf(fn: HttpFunction): FuzzTarget {
    return {
      spec: fn.spec,
      pathValues: {
        tenantId,
        policyId: 'fuzz-policy',
        deviceId: 'fuzz-device',
        activationId: activationIds[0]!,
        upn,
      },
      otherTenantId,
      ...(isPlatformRoute(fn) ? { anyTenant: true } : {}),
      ...(fn.name in validBodies ? { validBody: validBodies[fn.name] } : {}),
      // A new key each time: the generator aims for invalid bodies, the key itself is valid.
      ...(fn.name === 'activateRecovery'
        ? { validHeaders: () => ({ 'idempotency-key': `fuzz-key-${(keys += 1)}` }) }
        : {}),
      ...(fn.name === 'importDevices' ? { rowSchemas: { 'devices.*': importRow } } : {}),
      continuationTokens: () => [...tokens],
    };
  }

  it('has a valid body for every route that takes one', () => {
    for (const fn of routes) if (fn.spec.body) expect(validBodies, fn.name).toHaveProperty(fn.name);
  });

  describe.each(routes.map((fn) => [`${fn.spec.method} /api/${fn.spec.route}`, fn] as const))(
    '%s',
    (_label, fn) => {
      it(
        `keeps the contract for ${runs} generated inputs`,
        async () => {
          // GETs change nothing, so only a run of another method leaves state to restore.
          if (dirty) await seedState();
          dirty = fn.spec.method !== 'GET';
          const inputs = fuzzRequests(targetOf(fn), rng.fork(fn.name), runs);
          const failures: string[] = [];
          const record = (index: number, what: string) => {
            const input = inputs[index]!;
            failures.push(
              `#${index} ${input.method} /api/${input.path.slice(0, 200)}${input.query.slice(0, 100)} [${input.label}]: ${what}`,
            );
          };
          // Snapshots cost more than requests, so refusals are compared in batches: before and after
          // each input that may succeed (and so may change state), and across each run of inputs
          // certainly refused between them. A batch that changed state is replayed input by input
          // to name the culprit.
          let before = await stateSnapshot(cosmos);
          let batch: number[] = [];
          const closeBatch = async () => {
            if (batch.length === 0) return;
            before = await stateSnapshot(cosmos).then(async (after) => {
              if (isDeepEqual(after, before)) return after;
              await attribute(batch);
              return await stateSnapshot(cosmos);
            });
            batch = [];
          };
          const attribute = async (indexes: number[]) => {
            let found = false;
            for (const index of indexes) {
              const start = await stateSnapshot(cosmos);
              await send(port, inputs[index]!, await tokenFor(fn)).catch(() => undefined);
              if (!isDeepEqual(await stateSnapshot(cosmos), start)) {
                record(
                  index,
                  `changed state although ${fn.spec.method === 'GET' ? 'a GET' : 'certainly invalid'} (found on replay)`,
                );
                found = true;
              }
            }
            // An idempotent request (the same Idempotency-Key) changes state only the first time.
            if (!found)
              record(indexes[0]!, `one of inputs #${indexes.join(', #')} changed state; none does again`);
          };

          /** Sends one input and checks its answer; false when there was none. */
          const sendAndCheck = async (index: number): Promise<RawResponse | undefined> => {
            const input = inputs[index]!;
            try {
              const response = await send(port, input, await tokenFor(fn));
              for (const breach of contractBreaches(input, response)) {
                record(index, `${breach} — ${response.text.slice(0, 300)}`);
              }
              return response;
            } catch (err) {
              record(index, `no answer: ${String(err)}`);
              return undefined;
            }
          };

          for (const [index, input] of inputs.entries()) {
            const certain = input.mustRefuse || input.mustNotChange || fn.spec.method === 'GET';
            if (certain) {
              batch.push(index);
              continue;
            }
            // What is certainly refused goes out a few at a time: their order cannot matter.
            await mapConcurrently(batch, concurrency, async (i) => await sendAndCheck(i));
            await closeBatch();
            const response = await sendAndCheck(index);
            const after = await stateSnapshot(cosmos);
            if (response && response.status >= 400 && !isDeepEqual(after, before)) {
              record(index, `changed state although refused (${response.status})`);
            }
            before = after;
          }
          await mapConcurrently(batch, concurrency, async (i) => await sendAndCheck(i));
          await closeBatch();
          expect(failures, `seed ${seed}, ${failures.length} of ${runs} inputs`).toEqual([]);
          // One tenant, however the path spelt its id (beside the registry of disk-scope claims).
          expect(
            before['tenants']!.map((t: any) => t.id).filter((id: string) => id !== 'disk-scope-claims'),
          ).toEqual([tenantId]);
        },
        // The larger runs behind FUZZ_RUNS take longer.
        Math.max(300_000, runs * 200),
      );
    },
  );

  it('leaves Object.prototype and Array.prototype as they were', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayPrototypeKeys);
    const probe: Record<string, unknown> = {};
    expect(probe['polluted']).toBeUndefined();
    expect(probe['isAdmin']).toBeUndefined();
  });
});

function isPlatformRoute(fn: HttpFunction): boolean {
  return fn.spec.auth !== 'anonymous' && fn.spec.auth.role === PlatformRole;
}

/** Requests in flight at once within a batch of certain refusals. */
const concurrency = 4;

function isDeepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
