import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRequest } from '../../src/http/parseRequest';

const schemas = {
  params: z.strictObject({ id: z.string().regex(/^[a-z]+$/, 'must be lowercase letters') }),
  query: z.strictObject({
    pageSize: z.coerce.number().int().min(1).max(100).default(10),
    tier: z.array(z.string()).optional(),
  }),
  body: z.strictObject({ name: z.string().max(5), tags: z.array(z.string()).max(2).optional() }),
  maxBodyBytes: 64,
};

function request(
  init: { body?: string | Uint8Array; query?: string; id?: string; headers?: Record<string, string> } = {},
): HttpRequest {
  const body =
    init.body === undefined
      ? undefined
      : typeof init.body === 'string'
        ? { string: init.body }
        : { bytes: init.body };
  return new HttpRequest({
    method: 'POST',
    url: `http://localhost/api/things/${init.id ?? 'abc'}${init.query ?? ''}`,
    params: { id: init.id ?? 'abc' },
    headers: { 'content-type': 'application/json', ...init.headers },
    body,
  });
}

describe('parseRequest', () => {
  it('returns typed, defaulted input when everything is valid', async () => {
    const result = await parseRequest(request({ body: '{"name":"ok"}' }), schemas);
    expect(result).toEqual({
      value: { params: { id: 'abc' }, query: { pageSize: 10 }, body: { name: 'ok' } },
    });
  });

  it('names every bad field at once: path, query and body', async () => {
    const result = await parseRequest(
      request({ id: 'ABC', query: '?pageSize=1000&colour=red', body: '{"name":"too long","extra":1}' }),
      schemas,
    );
    expect(result).toHaveProperty('response');
    if (!('response' in result)) return;
    expect(result.response.status).toBe(400);
    const fields = (result.response.jsonBody as { errors: { field: string }[] }).errors
      .map((e) => e.field)
      .sort();
    expect(fields).toEqual(['body.extra', 'body.name', 'path.id', 'query.colour', 'query.pageSize']);
  });

  it('takes a repeated query parameter as an array', async () => {
    const result = await parseRequest(
      request({ query: '?tier=gold&tier=silver', body: '{"name":"a"}' }),
      schemas,
    );
    expect(result).toMatchObject({ value: { query: { tier: ['gold', 'silver'] } } });
  });

  it.each([
    ['invalid JSON', '{"name":', 400, 'body', 'is not valid JSON'],
    ['an empty body', '', 400, 'body', 'is required'],
    [
      'a body over the size bound',
      JSON.stringify({ name: 'x'.repeat(100) }),
      413,
      'body',
      'exceeds 64 bytes',
    ],
    [
      'invalid UTF-8',
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      400,
      'body',
      'is not valid UTF-8',
    ],
    ['a list longer than its bound', '{"name":"a","tags":["1","2","3"]}', 400, 'body.tags', undefined],
    [
      'a prototype-pollution key',
      '{"name":"a","__proto__":{"admin":true}}',
      400,
      'body.__proto__',
      'is not a known field',
    ],
  ])('refuses %s with a problem naming the field', async (_name, body, status, field, reason) => {
    const result = await parseRequest(request({ body }), schemas);
    if (!('response' in result)) throw new Error('expected a refusal');
    expect(result.response.status).toBe(status);
    expect(result.response.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    const error = (result.response.jsonBody as { errors: { field: string; reason: string }[] }).errors.find(
      (e) => e.field === field,
    );
    expect(error).toBeDefined();
    if (reason) expect(error!.reason).toBe(reason);
  });

  // Found by the fuzz suite: `result['__proto__'] = …` set the prototype, so the key vanished.
  it.each([['?__proto__=x'], ['?__proto__=x&__proto__=y'], ['?constructor=x']])(
    'refuses %s as an unknown query field',
    async (query) => {
      const result = await parseRequest(request({ query, body: '{"name":"a"}' }), schemas);
      if (!('response' in result)) throw new Error('expected a refusal');
      expect((result.response.jsonBody as { errors: { field: string }[] }).errors).toEqual([
        { field: `query.${query.slice(1).split('=')[0]}`, reason: 'is not a known field' },
      ]);
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    },
  );

  // Found by the fuzz suite: 20k unknown keys answered with 1.8 MB of field errors.
  it('bounds the errors it lists, and the length of each field name', async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `"k${i}":1`).join(',');
    const result = await parseRequest(request({ body: `{"${'x'.repeat(5000)}":1,${keys}}` }), {
      ...schemas,
      maxBodyBytes: 1024 * 1024,
    });
    if (!('response' in result)) throw new Error('expected a refusal');
    const problem = result.response.jsonBody as { detail: string; errors: { field: string }[] };
    expect(problem.errors).toHaveLength(20);
    expect(problem.errors.map((e) => e.field)).toContain(`body.${'x'.repeat(195)}…`);
    // 20,000 keys, the long one and the missing name: 20 shown.
    expect(problem.detail).toMatch(/\(and 19982 more\)$/);
    expect(JSON.stringify(problem).length).toBeLessThan(8 * 1024);
  });

  it('refuses a body that is not JSON by its content type', async () => {
    const result = await parseRequest(
      request({ body: 'name=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      schemas,
    );
    expect(result).toMatchObject({ response: { status: 415 } });
  });

  it('refuses a declared content length over the bound without reading the body', async () => {
    const result = await parseRequest(
      request({ body: '{"name":"a"}', headers: { 'content-length': '100000' } }),
      schemas,
    );
    expect(result).toMatchObject({ response: { status: 413 } });
  });
});
