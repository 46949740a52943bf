import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFunctions } from '../../src/functions/registry';
import { call } from '../support/http';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

describe('GET /api/openapi.json', () => {
  let env: TestEnvironment;
  let document: any;
  beforeAll(async () => {
    env = await startTestEnvironment();
    const response = await call(`${env.baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(async () => await env.close());

  const documented = () =>
    Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );

  it('is OpenAPI 3.1 with the bearer scheme and the problem schema', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(document.components.schemas.Problem.required).toContain('code');
  });

  it('lists exactly the registered routes', () => {
    const registered = httpFunctions().map((fn) => `${fn.spec.method} /api/${fn.spec.route}`);
    expect(documented().sort()).toEqual(registered.sort());
  });

  it('lists no route the app does not serve', async () => {
    for (const entry of documented()) {
      const [method, path] = entry.split(' ') as [string, string];
      const url = `${env.baseUrl.replace(/\/api$/, '')}${path.replace(/\{[^}]+\}/g, '00000000-0000-0000-0000-000000000000')}`;
      const response = await call(url, { method });
      expect(response.status, entry).not.toBe(405);
      expect(response.body?.detail ?? '', entry).not.toMatch(/^No route matches/);
    }
  });

  it('documents security, the required role, error responses and schemas for each protected operation', () => {
    const op = document.paths['/api/tenants/{tenantId}'].put;
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op['x-required-role']).toBe('DR.Admin');
    for (const status of ['400', '401', '403', '404', '500']) {
      expect(op.responses[status].content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
    expect(op.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(op.parameters).toContainEqual(
      expect.objectContaining({ name: 'tenantId', in: 'path', required: true }),
    );
    expect(document.paths['/api/health'].get.security).toEqual([]);
  });

  it('documents a query integer as the number it is read as, with its range and default', () => {
    const devices = document.paths['/api/tenants/{tenantId}/activations/{activationId}/devices'].get;
    const parameter = (name: string) => devices.parameters.find((p: { name: string }) => p.name === name);
    expect(parameter('pageSize')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    });
    expect(parameter('wave').schema).toMatchObject({ type: 'integer', minimum: 0, maximum: 10 });
    expect(parameter('wave').schema).not.toHaveProperty('default');
  });
});
