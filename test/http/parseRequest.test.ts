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

describe('parseRequest on a route that takes no body', () => {
  const bodyless = { params: schemas.params, query: schemas.query, maxBodyBytes: 64 };
  const mustBeEmpty = { field: 'body', reason: 'must be empty: this operation takes no body' };

  /** A request whose body is a stream that never ends, counting the chunks read from it. */
  function endless(chunk: string): { request: HttpRequest; pulls: () => number } {
    let pulls = 0;
    const bytes = new TextEncoder().encode(chunk);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(bytes);
      },
    });
    const base = request();
    Object.defineProperty(base, 'body', { value: stream });
    return { request: base, pulls: () => pulls };
  }

  it.each([
    ['no body', undefined],
    ['an empty body', ''],
    ['whitespace', ' \r\n\t '],
  ])('accepts %s', async (_what, body) => {
    const result = await parseRequest(request(body === undefined ? {} : { body }), bodyless);
    expect(result).toEqual({ value: { params: { id: 'abc' }, query: { pageSize: 10 }, body: undefined } });
  });

  it.each([
    ['a JSON object', '{"takenAt":"1999-01-01T00:00:00Z"}'],
    ['an empty object', '{}'],
    ['null', 'null'],
    ['bytes that are not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['text after whitespace', '   x'],
  ])('refuses %s with 400 validation-failed naming the body', async (_what, body) => {
    const result = await parseRequest(request({ body }), bodyless);
    if (!('response' in result)) throw new Error('expected a refusal');
    expect(result.response.status).toBe(400);
    expect(result.response.jsonBody).toMatchObject({ code: 'validation-failed', errors: [mustBeEmpty] });
  });

  it('names the body together with the other bad fields', async () => {
    const result = await parseRequest(request({ id: 'ABC', body: '{"a":1}' }), bodyless);
    if (!('response' in result)) throw new Error('expected a refusal');
    const errors = (result.response.jsonBody as { errors: { field: string }[] }).errors;
    expect(errors.map((e) => e.field).sort()).toEqual(['body', 'path.id']);
  });

  it('refuses whatever the content type says', async () => {
    const result = await parseRequest(
      request({ body: 'takenAt=1999', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      bodyless,
    );
    expect(result).toMatchObject({ response: { status: 400, jsonBody: { errors: [mustBeEmpty] } } });
  });

  it('stops reading at the first chunk that is not whitespace', async () => {
    const { request: endlessJson, pulls } = endless('{"takenAt":"1999-01-01T00:00:00Z"}');
    const result = await parseRequest(endlessJson, bodyless);
    expect(result).toMatchObject({ response: { status: 400, jsonBody: { errors: [mustBeEmpty] } } });
    // The stream keeps one chunk queued ahead of the reader: one read, at most two pulls.
    expect(pulls()).toBeLessThanOrEqual(2);
  });

  it('reads whitespace no further than the size bound (413)', async () => {
    const { request: endlessSpaces, pulls } = endless(' '.repeat(16));
    const result = await parseRequest(endlessSpaces, bodyless);
    expect(result).toMatchObject({ response: { status: 413, jsonBody: { code: 'body-too-large' } } });
    // 64 bytes allowed: the fifth chunk of 16 passes the bound.
    expect(pulls()).toBeLessThanOrEqual(6);
  });

  it('refuses a declared content length over the bound without reading the body', async () => {
    const { request: declared, pulls } = endless('x');
    declared.headers.set('content-length', '100000');
    const result = await parseRequest(declared, bodyless);
    expect(result).toMatchObject({ response: { status: 413 } });
    expect(pulls()).toBeLessThanOrEqual(1);
  });
});
