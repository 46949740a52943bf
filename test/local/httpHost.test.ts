import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpFunction } from '../../src/functions/registry';
import { startHttpHost, type HttpHost } from '../../src/local/httpHost';
import { call } from '../support/http';

function route(name: string, method: 'GET' | 'POST', path: string): HttpFunction {
  return {
    kind: 'http',
    name,
    spec: {
      name,
      method,
      route: path,
      summary: name,
      auth: 'anonymous',
      responses: {},
      handler: async () => ({}),
    },
    handler: async (request, context: InvocationContext) => ({
      status: 200,
      jsonBody: {
        name,
        params: request.params,
        query: [...request.query.entries()],
        body: await request.text(),
        functionName: context.functionName,
      },
    }),
  };
}

describe('startHttpHost', () => {
  let host: HttpHost;
  let base: string;
  beforeAll(async () => {
    host = await startHttpHost(
      [
        route('byId', 'GET', 'things/{id}'),
        route('literal', 'GET', 'things/latest'),
        route('create', 'POST', 'things/{id}'),
      ],
      { port: 0 },
    );
    base = `http://127.0.0.1:${host.port}/api`;
  });
  afterAll(async () => await host.close());

  it('matches route templates under /api and decodes path parameters', async () => {
    const response = await call(`${base}/things/a%20b?x=1&x=2`);
    expect(response.body).toEqual({
      name: 'byId',
      params: { id: 'a b' },
      query: [
        ['x', '1'],
        ['x', '2'],
      ],
      body: '',
      functionName: 'byId',
    });
  });

  it('prefers a literal segment over a parameter', async () => {
    expect((await call(`${base}/things/latest`)).body.name).toBe('literal');
  });

  it('passes the body through to the handler', async () => {
    expect((await call(`${base}/things/1`, { method: 'POST', body: '{"a":1}' })).body.body).toBe('{"a":1}');
  });

  it('answers problem+json 404 for no route and 405 with Allow for a wrong method', async () => {
    const missing = await call(`${base}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await call(`${base}/things/1`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
  });

  it('answers 400 for a path parameter that is not valid percent-encoding', async () => {
    expect((await call(`${base}/things/%E0%A4%A`)).status).toBe(400);
  });
});
