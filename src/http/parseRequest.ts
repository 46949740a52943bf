/**
 * Turns a raw request into the typed input a route declared, or into the 4xx response that says
 * exactly which field is wrong and why. Returns a union rather than throwing.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { HttpLimits } from './limits';
import { badRequest, problem, type FieldError } from './problem';

export interface RequestSchemas<P, Q, B> {
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  maxBodyBytes?: number;
}

export interface ParsedRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export type ParseResult<T> = { value: T } | { response: HttpResponseInit };

/**
 * A problem describes the request; it must not grow with it. Without these bounds a body of 20k
 * unknown keys or 100k bad array elements answered with megabytes of field errors.
 */
const maxFieldErrors = 20;
const maxFieldLength = 200;

export async function parseRequest<P, Q, B>(
  request: HttpRequest,
  schemas: RequestSchemas<P, Q, B>,
): Promise<ParseResult<ParsedRequest<P, Q, B>>> {
  const errors: FieldError[] = [];
  const params = validate('path', schemas.params, { ...request.params }, errors);
  const query = validate('query', schemas.query, queryObject(request.query), errors);

  const maxBodyBytes = schemas.maxBodyBytes ?? HttpLimits.defaultMaxBodyBytes;
  let body: B | undefined;
  if (schemas.body) {
    const raw = await readJsonBody(request, maxBodyBytes);
    if ('response' in raw) return raw;
    body = validate('body', schemas.body, raw.value, errors);
  } else {
    const refused = await refuseBody(request, maxBodyBytes, errors);
    if (refused) return refused;
  }
  if (errors.length > 0) {
    const shown = errors.slice(0, maxFieldErrors);
    const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
    return {
      response: badRequest(
        `The request is invalid: ${shown.map((e) => `${e.field}: ${e.reason}`).join('; ')}${more}`,
        shown,
      ),
    };
  }
  return { value: { params: params as P, query: query as Q, body: body as B } };
}

function validate<T>(
  where: string,
  schema: z.ZodType<T> | undefined,
  input: unknown,
  errors: FieldError[],
): T | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ field: shorten(`${path}.${key}`), reason: 'is not a known field' });
      }
    } else {
      errors.push({ field: shorten(path), reason: issue.message });
    }
  }
  return undefined;
}

/** Field names hold the caller's own keys, which may be any length. */
function shorten(field: string): string {
  return field.length > maxFieldLength ? `${field.slice(0, maxFieldLength)}…` : field;
}

/**
 * A parameter given once is a string; given several times, an array of strings. Keys are defined,
 * not assigned: `result['__proto__'] = 'x'` would set the prototype instead of adding a key, so
 * `?__proto__=x` slipped past the strict schema as no key at all (and two of them swapped the
 * object's prototype for an array).
 */
function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  return Object.fromEntries(
    [...new Set(query.keys())].map((key) => {
      const values = query.getAll(key);
      return [key, values.length === 1 ? values[0]! : values];
    }),
  );
}

async function readJsonBody(request: HttpRequest, maxBytes: number): Promise<ParseResult<unknown>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return { response: tooLarge(maxBytes) };
  const contentType = request.headers.get('content-type');
  if (contentType && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    return {
      response: problem(
        415,
        'unsupported-media-type',
        `Content-Type must be application/json, not ${contentType}`,
      ),
    };
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) return { response: tooLarge(maxBytes) };
  if (bytes.byteLength === 0) {
    return {
      response: badRequest('The request body is required', [{ field: 'body', reason: 'is required' }]),
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      response: badRequest('The request body is not valid UTF-8', [
        { field: 'body', reason: 'is not valid UTF-8' },
      ]),
    };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return {
      response: badRequest('The request body is not valid JSON', [
        { field: 'body', reason: 'is not valid JSON' },
      ]),
    };
  }
}

/**
 * A route that takes no body refuses one, as every route refuses fields it does not know:
 * `POST …/restore-points` with `{"takenAt":"1999-01-01T00:00:00Z"}` answered 202 and ignored
 * the time the caller asked for. Whitespace alone is no body. The body is read a chunk at a time
 * and no further than its first byte that is not whitespace, and never past `maxBytes`.
 * (A GET's body never gets here: the framework discards it before the handler runs.)
 */
async function refuseBody(
  request: HttpRequest,
  maxBytes: number,
  errors: FieldError[],
): Promise<{ response: HttpResponseInit } | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return { response: tooLarge(maxBytes) };
  if (!request.body) return undefined;
  const reader = request.body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || !value) return undefined;
      size += value.byteLength;
      if (!value.every(isJsonWhitespace)) {
        errors.push({ field: 'body', reason: 'must be empty: this operation takes no body' });
        return undefined;
      }
      if (size > maxBytes) return { response: tooLarge(maxBytes) };
    }
  } finally {
    // What was not read is not wanted; an already finished stream ignores this.
    await reader.cancel().catch(() => undefined);
  }
}

/** Space, tab, line feed, carriage return: what JSON allows around a value. */
function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function tooLarge(maxBytes: number): HttpResponseInit {
  return problem(413, 'body-too-large', `The request body exceeds ${maxBytes} bytes`, {
    errors: [{ field: 'body', reason: `exceeds ${maxBytes} bytes` }],
  });
}
