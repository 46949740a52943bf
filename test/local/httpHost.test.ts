import { InvocationContext } from '@azure/functions';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
        {
          ...route('forwarded', 'GET', 'forwarded'),
          handler: async (request) => ({
            status: 200,
            jsonBody: { forwardedFor: request.headers.get('x-forwarded-for') },
          }),
        },
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

  // The pipeline limits by the last entry, as App Service's front end appends it: never the client's.
  it('appends the address of the connection last to X-Forwarded-For, after whatever the client sent', async () => {
    expect((await call(`${base}/forwarded`)).body.forwardedFor).toMatch(/^127\.0\.0\.1:\d+$/);
    const sent = await call(`${base}/forwarded`, {
      headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.1:443' },
    });
    expect(sent.body.forwardedFor).toMatch(/^203\.0\.113\.9, 198\.51\.100\.1:443, 127\.0\.0\.1:\d+$/);
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

  it('answers 400 for a path parameter that is not valid percent-encoding, naming it', async () => {
    const response = await call(`${base}/things/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'path.id', reason: 'is not valid percent-encoding' }]);
  });

  // Found by the fuzz suite: the host's own refusals had no correlation id, header or body.
  it.each([
    ['no route', '/nothing-here', 'GET', 404],
    ['a wrong method', '/things/1', 'DELETE', 405],
    ['bad percent-encoding', '/things/%ZZ', 'GET', 400],
  ])(
    "gives its own problem for %s a correlation id, the caller's when valid",
    async (_what, path, method, status) => {
      const own = await call(`${base}${path}`, { method });
      expect(own.status).toBe(status);
      expect(own.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(own.body.correlationId).toBe(own.headers.get('x-correlation-id'));
      const supplied = await call(`${base}${path}`, { method, headers: { 'x-correlation-id': 'trace-42' } });
      expect(supplied.body.correlationId).toBe('trace-42');
    },
  );

  // Found by the fuzz suite: Node answered these with a bare status line before any handler ran.
  it.each([
    ['a request line over 16 KiB', `GET /api/things/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: h\r\n\r\n`, 431],
    [
      'an unreadable Content-Length',
      'POST /api/things/1 HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n',
      400,
    ],
  ])('answers %s with problem+json', async (_what, raw, status) => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(host.port, '127.0.0.1', () => socket.end(raw));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/);
    expect(head).toMatch(/\r\nx-correlation-id: [0-9a-f-]{36}\r\n/);
    expect(JSON.parse(body!)).toMatchObject({
      status,
      errors: [expect.objectContaining({ reason: expect.any(String) })],
    });
  });

  it('does not hand a GET its body (the framework would discard it, warning each time)', async () => {
    const warn = vi.spyOn(console, 'warn');
    const text = await new Promise<string>((resolve, reject) => {
      const headers = { 'content-length': '7' };
      const req = request(
        { host: '127.0.0.1', port: host.port, method: 'GET', path: '/api/things/1', headers },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end('{"a":1}');
    });
    expect(JSON.parse(text)).toMatchObject({ name: 'byId', body: '' });
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/Discarding the body/);
    warn.mockRestore();
  });
});
