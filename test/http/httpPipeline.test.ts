/** The contract every route gets from the pipeline, exercised with the framework's own test objects. */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { installServices, services } from '../../src/compositionRoot';
import { resetConfig } from '../../src/config';
import { ConflictError, NotFoundError } from '../../src/domain/errors';
import { TokenVerifier } from '../../src/http/auth/tokenVerifier';
import { createHttpHandler } from '../../src/http/httpPipeline';
import { HttpLimits } from '../../src/http/limits';
import { json, type HttpRouteSpec } from '../../src/http/routeSpec';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const tenantId = randomUUID();

function handlerFor(spec: Partial<HttpRouteSpec<{ tenantId: string }, unknown, unknown>>) {
  const handler = createHttpHandler(
    {
      name: 'testRoute',
      method: 'POST',
      route: 'tenants/{tenantId}/things',
      summary: 'test',
      auth: { role: 'DR.Operator' },
      params: z.strictObject({ tenantId: z.string() }),
      responses: {},
      handler: async () => json(200, { ok: true }),
      ...spec,
    },
    services,
  );
  return async (request: HttpRequest, context: InvocationContext) =>
    (await handler(request, context)) as HttpResponseInit;
}

describe('createHttpHandler', () => {
  let env: TestEnvironment;
  const logs: string[] = [];
  const context = () =>
    new InvocationContext({
      functionName: 'testRoute',
      invocationId: randomUUID(),
      logHandler: (level, ...args) => logs.push(`${level}: ${args.join(' ')}`),
    });
  const request = async (init: { token?: string; headers?: Record<string, string> } = {}) =>
    new HttpRequest({
      method: 'POST',
      url: `http://localhost/api/tenants/${tenantId}/things`,
      params: { tenantId },
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
    });

  beforeAll(async () => {
    env = await startTestEnvironment();
  });
  afterAll(async () => await env.close());

  it('passes the verified principal to the handler', async () => {
    let seen: unknown;
    const handler = handlerFor({ handler: async ({ principal }) => ((seen = principal), json(200, {})) });
    const response = await handler(
      await request({ token: await env.token(tenantId, ['DR.Operator'], { upn: 'ada@contoso.test' }) }),
      context(),
    );
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ tenantId, upn: 'ada@contoso.test', roles: ['DR.Operator'] });
  });

  it('answers 500 with a correlation id and none of the internals when a handler fails unexpectedly', async () => {
    const handler = handlerFor({
      handler: async () => await Promise.reject(new Error('connection string AccountKey=secret leaked')),
    });
    const ctx = context();
    const response = await handler(await request({ token: await env.token(tenantId, ['DR.Admin']) }), ctx);
    expect(response.status).toBe(500);
    const body = response.jsonBody as { code: string; correlationId: string; detail: string };
    expect(body.code).toBe('internal-error');
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(body.correlationId).toBe(ctx.invocationId);
    expect((response.headers as Record<string, string>)['x-correlation-id']).toBe(ctx.invocationId);
    expect(
      logs.some(
        (line) => line.startsWith('error') && line.includes(ctx.invocationId) && line.includes('secret'),
      ),
    ).toBe(true);
  });

  it.each([
    [new NotFoundError('Device d1'), 404, 'not-found'],
    [new ConflictError('device-exists', 'Device d1 exists'), 409, 'device-exists'],
    [new ConflictError('precondition-failed', 'stale'), 412, 'precondition-failed'],
  ])('maps %s to %i with its stable code', async (error, status, code) => {
    const handler = handlerFor({ handler: async () => await Promise.reject(error) });
    const response = await handler(
      await request({ token: await env.token(tenantId, ['DR.Admin']) }),
      context(),
    );
    expect(response.status).toBe(status);
    expect(response.jsonBody).toMatchObject({ code, status, detail: error.message });
  });

  it("keeps a caller's well-formed correlation id and replaces one that could inject into logs", async () => {
    const handler = handlerFor({});
    const token = await env.token(tenantId, ['DR.Admin']);
    const kept = await handler(
      await request({ token, headers: { 'x-correlation-id': 'portal-1234' } }),
      context(),
    );
    expect((kept.headers as Record<string, string>)['x-correlation-id']).toBe('portal-1234');
    const replaced = await handler(
      await request({ token, headers: { 'x-correlation-id': 'evil value; level=error' } }),
      context(),
    );
    expect((replaced.headers as Record<string, string>)['x-correlation-id']).not.toContain('evil');
  });

  it('answers 503 with Retry-After, not 401, when the issuer keys cannot be fetched', async () => {
    const verifier = new TokenVerifier({
      ...services().config.auth,
      jwksUri: 'http://127.0.0.1:1/jwks.json',
    });
    const handler = createHttpHandler(
      {
        name: 't',
        method: 'GET',
        route: 'tenants/{tenantId}',
        summary: 't',
        auth: { role: 'DR.Reader' },
        responses: {},
        handler: async () => json(200, {}),
      },
      () => ({ ...services(), tokenVerifier: verifier }),
    );
    const response = await handler(
      await request({ token: await env.token(tenantId, ['DR.Admin']) }),
      context(),
    );
    expect(response.status).toBe(503);
    expect((response.headers as Record<string, string>)['retry-after']).toBe('30');
  });

  it("spends nothing of an address's allowance on callers with a valid token, and past it refuses before verifying", async () => {
    // A clock that stands still: no refill while the test runs.
    const at = new Date();
    resetConfig();
    installServices({ securityClock: { now: () => at } });
    try {
      const { burst } = HttpLimits.unauthenticatedRequests;
      const handler = handlerFor({});
      // As the platform appends it: the last entry is the address the request came from.
      const from = { 'x-forwarded-for': '203.0.113.50, 192.0.2.99:51000' };
      const token = await env.token(tenantId, ['DR.Operator']);
      for (let i = 0; i < burst + 5; i++) {
        expect((await handler(await request({ token, headers: from }), context())).status).toBe(200);
      }
      for (let i = 0; i < burst; i++) {
        expect((await handler(await request({ headers: from }), context())).status).toBe(401);
      }
      const limited = await handler(await request({ token, headers: from }), context());
      expect(limited.status).toBe(429);
      expect((limited.headers as Record<string, string>)['retry-after']).toBe('1');
      // The same caller from another address is served.
      const elsewhere = { 'x-forwarded-for': '192.0.2.100:51000' };
      expect((await handler(await request({ token, headers: elsewhere }), context())).status).toBe(200);
    } finally {
      resetConfig();
      installServices({});
    }
  });
});
