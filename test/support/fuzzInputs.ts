/**
 * Bad HTTP inputs for the fuzz suite, derived from a route's own spec: for each field of its path,
 * query and body schemas, values of the wrong type, out of range, huge, missing, extra and nested
 * junk; plus generic junk (bytes that are not UTF-8, truncated JSON, megabyte strings, 100k-element
 * arrays, 10k-deep nesting, prototype-pollution keys, wrong content types and methods). A small
 * seeded PRNG drives it, so a seed names a run exactly.
 */
import { z } from 'zod';
import { routeParamNames, type HttpRouteSpec } from '../../src/http/routeSpec';

/** mulberry32: tiny, fast and evenly spread; nothing here needs more than that. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A new generator for `label`, so one route's inputs do not shift when another's change. */
  fork(label: string): Rng {
    let hash = this.state ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    return new Rng(hash);
  }

  /** In [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick needs at least one item');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight; entries of weight 0 are never picked. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [value, weight] of entries) {
      point -= weight;
      if (point < 0 && weight > 0) return value;
    }
    return entries.find(([, weight]) => weight > 0)![0];
  }
}

/** One request as it goes on the wire. */
export interface FuzzRequest {
  /** What was done to the valid request: shown when an assertion fails. */
  label: string;
  method: string;
  /** The path after `/api/`, percent-encoded as sent; it may hold `..`, `%00` or a bad escape. */
  path: string;
  /** `''` or `?…`, as sent. */
  query: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Certainly invalid by the route's contract: anything but a 4xx is a bug. */
  mustRefuse: boolean;
  /** Certainly changes nothing even if answered 2xx (an import whose every row is bad). */
  mustNotChange: boolean;
}

/** What the generator needs to know of a route beyond its spec: a valid request to start from. */
export interface FuzzTarget {
  spec: HttpRouteSpec<never, never, never>;
  /** Path parameter values naming seeded resources. */
  pathValues: Record<string, string>;
  /** A tenant id the caller's token is not for. */
  otherTenantId: string;
  /**
   * The route's `{tenantId}` is any tenant the caller manages (the platform's routes), not the
   * caller's own: another tenant's id there is no refusal.
   */
  anyTenant?: boolean;
  /** A valid body, for routes that take one. */
  validBody?: unknown;
  /** Headers the valid request carries besides authorization, e.g. `idempotency-key`. */
  validHeaders?: () => Record<string, string>;
  /**
   * Schemas the body schema leaves open, by dotted path with `*` for array elements: the import's
   * rows are `z.unknown()` to the body schema and validated row by row, each with its own result.
   */
  rowSchemas?: Record<string, z.ZodType>;
  /** Real continuation tokens (from this or other routes), to replay where they do not belong. */
  continuationTokens?: () => string[];
}

/** A JSON text spliced in as is: numbers JSON.stringify cannot write (1e309, -0, 1e-400). */
class RawJson {
  constructor(readonly text: string) {}
}

const encoder = new TextEncoder();

/** Serialises with RawJson spliced in; own `__proto__` keys are written like any other key. */
export function encodeJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}\u0000` : v,
  );
  return (text ?? 'null').replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}

/** The value a JSON reader sees, for judging it against a schema. */
function plain(value: unknown): unknown {
  return JSON.parse(encodeJson(value));
}

/** Sets a key as an own property: `obj.__proto__ = x` would change the prototype instead. */
function defineKey(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

type Path = (string | number)[];

function getAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Object.prototype.hasOwnProperty.call(node, key)
      ? (node as Record<string, unknown>)[key]
      : undefined;
  }
  return node;
}

/** A copy of `root` with the value at `path` replaced (or removed when `remove`). */
function setAt(root: unknown, path: Path, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = clone(root) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') {
      const created = typeof key === 'number' ? [] : {};
      defineKey(node, String(key), created);
      node = created;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else defineKey(node, String(last), value);
  return copy;
}

/** The schema under optional/default/pipe wrappers, and whether the field may be left out. */
function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let optional = false;
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional) {
      optional = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDefault) {
      optional = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return { schema: current, optional };
    }
  }
}

interface Field {
  path: Path;
  /** The field's schema, wrappers removed. */
  schema: z.ZodType;
  /** The schema as declared (with optional/default), to judge a replacement value. */
  declared: z.ZodType;
  optional: boolean;
  /** Inside a row validated on its own: a bad value fails the row, not the request. */
  inRow: boolean;
}

/** Every field of `schema` along the shape of the valid `sample`, objects and arrays included. */
function fieldsOf(
  schema: z.ZodType,
  sample: unknown,
  rowSchemas: Record<string, z.ZodType>,
  path: Path = [],
  inRow = false,
): Field[] {
  const { schema: inner, optional } = unwrap(schema);
  const fields: Field[] = path.length > 0 ? [{ path, schema: inner, declared: schema, optional, inRow }] : [];
  if (inner instanceof z.ZodObject) {
    const shape = inner.shape as Record<string, z.ZodType>;
    for (const [key, child] of Object.entries(shape)) {
      fields.push(...fieldsOf(child, getAt(sample, [key]), rowSchemas, [...path, key], inRow));
    }
  } else if (inner instanceof z.ZodArray) {
    const rowKey = [...path.filter((p) => typeof p === 'string'), '*'].join('.');
    const row = rowSchemas[rowKey];
    const element = row ?? (inner.element as z.ZodType);
    const items = Array.isArray(sample) ? sample : [];
    if (items.length > 0) {
      fields.push(...fieldsOf(element, items[0], rowSchemas, [...path, 0], inRow || row !== undefined));
    }
  } else if (inner instanceof z.ZodUnion) {
    // A discriminated union: follow the option the sample chose.
    const options = inner.options as z.ZodType[];
    const chosen = options.find((option) => option.safeParse(sample).success) ?? options[0];
    if (chosen)
      fields.push(...fieldsOf(chosen, sample, rowSchemas, path, inRow).slice(path.length > 0 ? 1 : 0));
  }
  return fields;
}

/** Array bounds of a schema, read from its checks. */
function arrayBounds(schema: z.ZodArray): { min?: number; max?: number } {
  const bounds: { min?: number; max?: number } = {};
  for (const check of schema.def.checks ?? []) {
    const def = check._zod.def as { check: string; minimum?: number; maximum?: number };
    if (def.check === 'min_length' && def.minimum !== undefined) bounds.min = def.minimum;
    if (def.check === 'max_length' && def.maximum !== undefined) bounds.max = def.maximum;
  }
  return bounds;
}

/** Big junk is built once: a megabyte string, 100k elements, 10k-deep nesting. */
const big = {
  megabyteString: 'A'.repeat(1024 * 1024),
  hundredThousandZeros: new RawJson(`[${new Array<string>(100_000).fill('0').join(',')}]`),
  deepArrays: new RawJson(`${'['.repeat(10_000)}${']'.repeat(10_000)}`),
  deepObjects: new RawJson(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
  manyKeys: new RawJson(`{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
};

/** Strings that break naive code: traversal, control and odd Unicode, injection, NaN-likes, dates. */
export const oddStrings: readonly string[] = [
  '',
  ' ',
  '   padded   ',
  '..',
  '.',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  'a/b',
  'a\\b',
  '/',
  '\\',
  'nul\u0000byte',
  '\u0000',
  'line\r\nSet-Cookie: x=1',
  'tab\there',
  'é',
  'ｆｕｌｌｗｉｄｔｈ',
  '\u202egnp.exe',
  'zero\u200bwidth',
  '\ud800',
  '\udfff\ud800',
  '😀💥',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '" OR 1=1 OR c.id = "',
  'SELECT * FROM c',
  '${jndi:ldap://x}',
  '%s%s%n',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  'null',
  'undefined',
  'true',
  '[object Object]',
  '__proto__',
  'constructor',
  'prototype',
  '0000-00-00',
  '0000-00-00T00:00:00Z',
  '99999-12-31T23:59:59Z',
  '2026-02-30T25:61:61Z',
  '-000001-01-01T00:00:00Z',
  'x'.repeat(257),
  'y'.repeat(10_000),
  // Shaped like a UPN, hiding what it is: stored with 201 as a device's upn before issue 23.
  'ad\u202emin\u0000@contoso.test',
];

/**
 * Identities that display as another, sent to every string field and path parameter in every run,
 * whatever the seed: the random picks above reach a given field with a given string only now and then.
 */
const hiddenCharacterStrings: readonly string[] = [
  'ad\u202emin\u0000@contoso.test',
  'ada\u200b@contoso.test',
  '\u2066ada@contoso.test\u2069',
];

/** Numbers at and past every edge, as JSON text where JSON.stringify could not write them. */
const oddNumbers: readonly unknown[] = [
  0,
  -1,
  -0.5,
  0.5,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  new RawJson('1e309'),
  new RawJson('-1e309'),
  new RawJson('1e-400'),
  new RawJson('-0'),
  new RawJson('1.0'),
  new RawJson('123456789012345678901234567890'),
];

/** Values of each JSON type, for "wrong type" mutations. */
const valuesByType: Record<string, readonly unknown[]> = {
  string: ['5', 'true', '', 'x'],
  number: [42, 0, -1, 1.5],
  boolean: [true, false],
  null: [null],
  array: [[], ['x'], [1, 2, 3], [[]]],
  object: [{}, { $ne: null }, { '': 1 }, { length: 1, 0: 'x' }],
};

function jsonTypeOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodString) return ['string'];
  if (schema instanceof z.ZodNumber) return ['number'];
  if (schema instanceof z.ZodBoolean) return ['boolean'];
  if (schema instanceof z.ZodArray) return ['array'];
  if (schema instanceof z.ZodObject) return ['object'];
  if (schema instanceof z.ZodUnion) return ['object'];
  if (schema instanceof z.ZodEnum) return ['string'];
  if (schema instanceof z.ZodLiteral) return [typeof schema.value === 'number' ? 'number' : 'string'];
  return [];
}

/** Keys that reach `Object.prototype` when code merges or assigns carelessly. */
const pollutionKeys = ['__proto__', 'constructor', 'prototype'] as const;

function pollutionValue(): Record<string, unknown> {
  const value: Record<string, unknown> = { polluted: 'yes', isAdmin: true };
  defineKey(value, '__proto__', { polluted: 'yes' });
  defineKey(value, 'prototype', { polluted: 'yes' });
  return value;
}

/** Values a field of this schema should not accept, from its own bounds and from generic junk. */
function badValuesFor(rng: Rng, field: Field): { value: unknown; kind: string }[] {
  const schema = field.schema;
  const types = jsonTypeOf(schema);
  const out: { value: unknown; kind: string }[] = [];
  for (const [type, values] of Object.entries(valuesByType)) {
    if (!types.includes(type)) out.push({ value: rng.pick(values), kind: `wrong type (${type})` });
  }
  if (schema instanceof z.ZodString) {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength;
    if (max !== null) out.push({ value: 'm'.repeat(max + 1), kind: `length ${max + 1}` });
    if (min > 0) out.push({ value: 'm'.repeat(min - 1), kind: `length ${min - 1}` });
    out.push({ value: rng.pick(oddStrings), kind: 'odd string' });
    out.push({ value: rng.pick(oddStrings), kind: 'odd string' });
    out.push({ value: big.megabyteString, kind: '1 MiB string' });
  } else if (schema instanceof z.ZodNumber) {
    const { minValue, maxValue } = schema;
    if (minValue !== null && Number.isFinite(minValue))
      out.push({ value: minValue - 1, kind: 'below minimum' });
    if (maxValue !== null && Number.isFinite(maxValue))
      out.push({ value: maxValue + 1, kind: 'above maximum' });
    if (schema.isInt) out.push({ value: (minValue ?? 0) + 0.5, kind: 'not an integer' });
    out.push({ value: rng.pick(oddNumbers), kind: 'odd number' });
    out.push({ value: rng.pick(oddNumbers), kind: 'odd number' });
    out.push({ value: rng.pick(['NaN', '1e309', '-1', '١٢']), kind: 'number as string' });
  } else if (schema instanceof z.ZodArray) {
    const { min, max } = arrayBounds(schema);
    if (max !== undefined) {
      out.push({
        value: Array.from({ length: max + 1 }, (_, i) => `item-${i}`),
        kind: `${max + 1} elements`,
      });
    }
    if (min !== undefined && min > 0) out.push({ value: [], kind: 'empty array' });
    out.push({ value: big.hundredThousandZeros, kind: '100k elements' });
    out.push({ value: ['dup', 'dup'], kind: 'repeated element' });
    out.push({ value: [null, {}, [], 1, 'x'], kind: 'mixed elements' });
  } else if (schema instanceof z.ZodEnum || schema instanceof z.ZodLiteral) {
    const values =
      schema instanceof z.ZodEnum ? (schema.options as unknown[]) : [...(schema.values as Set<unknown>)];
    const one = String(rng.pick(values));
    out.push({ value: one.toUpperCase(), kind: 'enum in upper case' });
    out.push({ value: `${one} `, kind: 'enum with a trailing space' });
    out.push({ value: `${one}\u0000`, kind: 'enum with NUL' });
    out.push({ value: rng.pick(oddStrings), kind: 'odd string' });
  }
  out.push({ value: rng.pick([big.deepArrays, big.deepObjects, big.manyKeys]), kind: 'nested junk' });
  out.push({ value: pollutionValue(), kind: 'prototype-pollution object' });
  return out;
}

/** Whether the declared schema refuses `value`: the oracle for a single field's replacement. */
function refuses(declared: z.ZodType, value: unknown): boolean {
  try {
    return !declared.safeParse(plain(value)).success;
  } catch {
    // 10k-deep nesting can exhaust the stack of a JSON round trip here; the server reads it as text.
    return true;
  }
}

interface BodyCase {
  label: string;
  body: Uint8Array | undefined;
  contentType?: string;
  mustRefuse: boolean;
  mustNotChange: boolean;
}

function jsonBody(value: unknown): Uint8Array {
  return encoder.encode(encodeJson(value));
}

/** One mutation of the body, from its schema. */
function bodyFieldCase(rng: Rng, target: FuzzTarget, schema: z.ZodType): BodyCase {
  const valid = target.validBody;
  const fields = fieldsOf(schema, valid, target.rowSchemas ?? {});
  const objectPaths: { path: Path; inRow: boolean }[] = [
    { path: [], inRow: false },
    ...fields
      .filter((f) => f.schema instanceof z.ZodObject || f.schema instanceof z.ZodUnion || rowAt(target, f))
      .map((f) => ({ path: f.path, inRow: f.inRow || rowAt(target, f) })),
  ];
  const kind = rng.weighted([
    ['replace', 6],
    ['missing', 2],
    ['extra', 2],
    ['pollution', 2],
  ] as const);

  if (kind === 'missing') {
    const field = rng.pick(fields);
    const body = setAt(valid, field.path, undefined, true);
    const refused = !field.optional;
    return {
      label: `body: without ${field.path.join('.')}`,
      body: jsonBody(body),
      mustRefuse: refused && !field.inRow,
      mustNotChange: refused,
    };
  }
  if (kind === 'extra' || kind === 'pollution') {
    const at = rng.pick(objectPaths);
    const key =
      kind === 'pollution'
        ? rng.pick(pollutionKeys)
        : rng.pick(['extra', 'Name', 'isAdmin', 'id', 'tenantId', 'version', '_etag', '', 'a.b', 'toString']);
    const node = clone(getAt(valid, at.path)) as Record<string, unknown>;
    // An `id` is a known field of an import row; elsewhere every key here is unknown.
    const known =
      node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, key);
    defineKey(node, key, kind === 'pollution' ? pollutionValue() : rng.pick(['x', 1, null, { a: 1 }]));
    return {
      label: `body: ${kind === 'pollution' ? 'prototype-pollution' : 'unknown'} key "${key}" at ${at.path.join('.') || '(root)'}`,
      body: jsonBody(setAt(valid, at.path, node)),
      mustRefuse: !known && !at.inRow,
      mustNotChange: !known,
    };
  }
  const field = rng.pick(fields);
  const { value, kind: what } = rng.pick(badValuesFor(rng, field));
  const refused = refuses(field.declared, value);
  return {
    label: `body: ${field.path.join('.')} = ${what} ${preview(value)}`,
    body: jsonBody(setAt(valid, field.path, value)),
    mustRefuse: refused && !field.inRow,
    mustNotChange: refused,
  };
}

function rowAt(target: FuzzTarget, field: Field): boolean {
  const key = field.path.map((p) => (typeof p === 'number' ? '*' : p)).join('.');
  return target.rowSchemas?.[key] !== undefined;
}

/** Bodies that are not the route's JSON at all. */
function bodyJunkCase(rng: Rng, target: FuzzTarget, hasRequiredField: boolean): BodyCase {
  const validText = encodeJson(target.validBody);
  const junk: (() => Omit<BodyCase, 'mustNotChange'>)[] = [
    () => ({ label: 'body: empty', body: new Uint8Array(0), mustRefuse: true }),
    () => ({ label: 'body: absent', body: undefined, mustRefuse: true }),
    () => {
      const bytes = new Uint8Array(rng.int(1, 64)).map(() => rng.int(0x80, 0xff));
      return { label: 'body: bytes that are not UTF-8', body: bytes, mustRefuse: true };
    },
    () => ({
      label: 'body: overlong UTF-8 in JSON',
      body: new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]),
      mustRefuse: true,
    }),
    () => {
      const cut = rng.int(1, Math.max(1, validText.length - 1));
      return {
        label: `body: JSON cut at ${cut}`,
        body: encoder.encode(validText.slice(0, cut)),
        mustRefuse: true,
      };
    },
    () => ({ label: 'body: trailing garbage', body: encoder.encode(`${validText}}x`), mustRefuse: true }),
    // A UTF-8 decoder drops a leading BOM: this one may be valid.
    () => ({ label: 'body: byte-order mark', body: encoder.encode(`\ufeff${validText}`), mustRefuse: false }),
    () => ({
      label: 'body: UTF-16',
      body: new Uint8Array(Buffer.from(validText, 'utf16le')),
      mustRefuse: true,
    }),
    () => {
      const text = rng.pick([
        'null',
        '[]',
        '""',
        '0',
        'true',
        '{}',
        'NaN',
        'undefined',
        '{"a":1,}',
        "{'a':1}",
      ]);
      return {
        label: `body: ${text}`,
        body: encoder.encode(text),
        mustRefuse: text !== '{}' || hasRequiredField,
      };
    },
    () => ({ label: 'body: 1 MiB string', body: jsonBody(big.megabyteString), mustRefuse: true }),
    () => ({ label: 'body: 100k-element array', body: jsonBody(big.hundredThousandZeros), mustRefuse: true }),
    () => ({ label: 'body: 10k-deep arrays', body: jsonBody(big.deepArrays), mustRefuse: true }),
    () => ({ label: 'body: 10k-deep objects', body: jsonBody(big.deepObjects), mustRefuse: true }),
    () => ({ label: 'body: 20k keys', body: jsonBody(big.manyKeys), mustRefuse: true }),
    () => ({
      label: 'body: 100k-deep arrays',
      body: encoder.encode(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      mustRefuse: true,
    }),
    () => {
      // The last of a repeated key wins in JSON.parse: a valid first copy must not hide a bad second.
      const key = Object.keys(target.validBody as object)[0] ?? 'a';
      const text = `${validText.slice(0, -1)},${JSON.stringify(key)}:{"$junk":[]}}`;
      return { label: `body: "${key}" repeated with junk`, body: encoder.encode(text), mustRefuse: true };
    },
    () => {
      const text = `{"__proto__":{"polluted":"yes"},${validText.slice(1)}`;
      return { label: 'body: __proto__ at the root', body: encoder.encode(text), mustRefuse: true };
    },
    () => {
      const text = `{"constructor":{"prototype":{"polluted":"yes"}},${validText.slice(1)}`;
      return {
        label: 'body: constructor.prototype at the root',
        body: encoder.encode(text),
        mustRefuse: true,
      };
    },
    () => ({
      label: 'body: larger than the route allows',
      body: encoder.encode(`{"pad":"${'p'.repeat((target.spec.maxBodyBytes ?? 256 * 1024) + 10)}"}`),
      mustRefuse: true,
    }),
  ];
  const chosen = rng.pick(junk)();
  return { ...chosen, mustNotChange: chosen.mustRefuse };
}

/** The valid body under a content type other than JSON (or an odd spelling of JSON). */
function contentTypeCase(rng: Rng, target: FuzzTarget): BodyCase {
  const [contentType, mustRefuse] = rng.pick([
    ['text/plain', true],
    ['text/json', true],
    ['application/xml', true],
    ['application/x-www-form-urlencoded', true],
    ['multipart/form-data; boundary=x', true],
    ['application/jsonp', true],
    ['application/octet-stream', true],
    ['*/*', true],
    ['application/json; charset=utf-16', false],
    ['APPLICATION/JSON', false],
    ['application/merge-patch+json', false],
    ['application/json;;;', false],
  ] as const);
  return {
    label: `content-type: ${contentType}`,
    body: jsonBody(target.validBody),
    contentType,
    mustRefuse,
    mustNotChange: mustRefuse,
  };
}

/** Ids that no route accepts, encoded for the wire; `normalised` ones the URL parser rewrites. */
const oddIds: readonly { wire: string; normalised?: true }[] = [
  { wire: '..', normalised: true },
  { wire: '.', normalised: true },
  { wire: '%2e%2e', normalised: true },
  { wire: '%2E%2e', normalised: true },
  { wire: '..%2f..%2f..' },
  { wire: '%2e%2e%2f' },
  { wire: 'a%2Fb' },
  { wire: 'a%5Cb' },
  { wire: 'a\\b', normalised: true },
  { wire: '%00' },
  { wire: 'a%00b' },
  { wire: '%0d%0aSet-Cookie:%20x' },
  { wire: '%20' },
  { wire: '%C3%A9' },
  { wire: '%F0%9F%98%80' },
  { wire: '%E2%80%AE' },
  { wire: '%EF%BC%A1' },
  { wire: '%ZZ' },
  { wire: '%' },
  { wire: '%C0%AF' },
  { wire: '%ED%A0%80' },
  { wire: '%FF' },
  { wire: '__proto__' },
  { wire: 'constructor' },
  { wire: 'prototype' },
  { wire: '%3Cscript%3E' },
  { wire: '%22%20OR%201%3D1' },
  { wire: '*' },
  { wire: '~' },
  { wire: 'NaN' },
  { wire: '-1' },
  { wire: '1e309' },
  { wire: '0000-00-00' },
  { wire: 'x'.repeat(65) },
  { wire: 'x'.repeat(300) },
  { wire: 'z'.repeat(4000) },
  // Past Node's 16 KiB bound on the request line and headers: refused before any handler.
  { wire: 'L'.repeat(20_000) },
];

function substitute(route: string, values: Record<string, string>): string {
  let path = route;
  for (const name of routeParamNames(route)) {
    path = path.replace(new RegExp(`\\{${name}[^}]*\\}`), values[name] ?? name);
  }
  return path;
}

function decodesTo(wire: string): string | undefined {
  try {
    return decodeURIComponent(wire);
  } catch {
    return undefined;
  }
}

/** A query string: bad values of its own keys, unknown and repeated keys, odd tokens. */
function queryCase(rng: Rng, target: FuzzTarget): { label: string; query: string; mustRefuse: boolean } {
  const schema = target.spec.query;
  const shape =
    schema instanceof z.ZodObject
      ? (schema.shape as Record<string, z.ZodType>)
      : ({} as Record<string, z.ZodType>);
  const keys = Object.keys(shape);
  const kind = rng.weighted([
    ['value', keys.length > 0 ? 6 : 0],
    ['token', keys.includes('continuationToken') ? 4 : 0],
    ['unknown', 3],
    ['repeated', keys.length > 0 ? 2 : 0],
    ['shape', 1],
  ] as const);
  if (kind === 'value') {
    const key = rng.pick(keys);
    const declared = shape[key]!;
    const field: Field = { path: [key], ...unwrap(declared), declared, inRow: false };
    const value = wellFormed(
      rng.pick([
        '',
        ' ',
        '0',
        '-1',
        '1.5',
        '1001',
        '100000000000000000000',
        'NaN',
        'Infinity',
        '-Infinity',
        '1e309',
        '1e2',
        '0x10',
        '0b11',
        '+5',
        ' 5 ',
        '5abc',
        '1,000',
        '١٢',
        '５',
        'true',
        '[]',
        '{}',
        ...oddStrings.slice(0, 30),
        ...badValuesFor(rng, field)
          .map((v) => v.value)
          .filter((v): v is string => typeof v === 'string' && v.length < 9000),
      ]),
    );
    // The oracle: the key's own schema refuses the value as the query delivers it (a string).
    return {
      label: `query: ${key}=${preview(value)}`,
      query: `?${enc(key)}=${enc(value)}`,
      mustRefuse: !declared.safeParse(value).success,
    };
  }
  if (kind === 'token') {
    const real = target.continuationTokens?.() ?? [];
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const realOne = real.length > 0 ? rng.pick(real) : b64('{"token":"x","range":{"min":"","max":"FF"}}');
    const decoded = Buffer.from(realOne, 'base64url').toString('utf8');
    const [token, mustRefuse] = rng.pick([
      [realOne, false],
      [realOne.slice(0, Math.max(1, Math.floor(realOne.length / 2))), false],
      [`${realOne}AAAA`, false],
      [b64(decoded.replace(/\d/g, '9')), false],
      [b64(decoded.replace(/"/g, "'")), false],
      [b64('{'), false],
      [b64('['), false],
      [b64('+'), false],
      [b64('{}'), false],
      [b64('[]'), false],
      [b64('[{}]'), false],
      [b64('null'), true],
      [b64('{"token":null,"range":null}'), false],
      [b64('[{"token":"+RID:~junk#RT:1#TRC:1","range":{"min":"","max":"FF"}}]'), false],
      [b64('+RID:~AAAAAAAAAAA=#RT:1#TRC:1'), false],
      [b64(`{"compositeToken":"${'x'.repeat(3000)}"}`), false],
      [b64('{"__proto__":{"polluted":"yes"}}'), false],
      [b64(`{"a":${'['.repeat(2000)}${']'.repeat(2000)}}`), false],
      [b64('{"offset":-1,"limit":1e309}'), false],
      [b64('\u0000\u0001binary'), true],
      ['not base64!', true],
      ['%%%', true],
      ['a', true],
      ['====', true],
      ['A'.repeat(8193), true],
      ['', true],
    ] as const);
    return {
      label: `query: continuationToken=${preview(token)}`,
      query: `?continuationToken=${enc(token)}`,
      mustRefuse,
    };
  }
  if (kind === 'unknown') {
    const key = rng.pick([
      ...pollutionKeys,
      '__proto__[polluted]',
      'constructor[prototype][polluted]',
      'hasOwnProperty',
      'toString',
      'valueOf',
      'extra',
      '',
      ' ',
      'pageSize ',
      'PAGESIZE',
      'pageSize[]',
      'a[b]',
      '\u0000',
      'x'.repeat(2000),
    ]);
    return {
      label: `query: unknown key ${preview(key)}`,
      query: `?${enc(key)}=${enc(rng.pick(['x', '1', 'yes']))}`,
      mustRefuse: true,
    };
  }
  if (kind === 'repeated') {
    const key = rng.pick(keys);
    const n = rng.pick([2, 3, 500]);
    const value = key === 'format' ? 'json' : key === 'continuationToken' ? 'abc' : '1';
    return {
      label: `query: ${key} ${n} times`,
      query: `?${Array.from({ length: n }, () => `${enc(key)}=${value}`).join('&')}`,
      mustRefuse: true,
    };
  }
  const [query, mustRefuse] = rng.pick([
    ['?', false],
    ['?&&&', false],
    ['?=', true],
    ['?==', true],
    ['?=x', true],
    ['?%', true],
    ['?%ZZ=1', true],
    ['?a=%ZZ', true],
    ['?__proto__=1&__proto__=2', true],
    ['?constructor=1&constructor=2', true],
    [`?${'a=1&'.repeat(2000)}`, true],
    ['?;a=1', true],
  ] as const);
  return { label: `query: ${preview(query)}`, query, mustRefuse };
}

function mixedCase(rng: Rng, text: string): string {
  return [...text].map((ch) => (rng.chance(0.5) ? ch.toUpperCase() : ch)).join('');
}

/** What a query value becomes on the wire: lone surrogates cannot be percent-encoded as UTF-8. */
function wellFormed(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function enc(text: string): string {
  return encodeURIComponent(wellFormed(text));
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = value instanceof RawJson ? value.text : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 60)}…(${text.length})` : text;
}

/** The part of the request each kind of mutation changes. */
const partOf = {
  path: 'path',
  tenant: 'path',
  query: 'query',
  bodyField: 'body',
  bodyJunk: 'body',
  contentType: 'body',
  bodyOnGet: 'body',
  headers: 'headers',
  // Another method may be another route, where what the other mutations meant does not hold:
  // a method mutation comes alone.
  method: 'method',
} as const;

/**
 * `count` bad requests against one route. Most change one thing of a valid request; some change
 * two. Each says whether the route's contract certainly refuses it.
 */
export function fuzzRequests(target: FuzzTarget, rng: Rng, count: number): FuzzRequest[] {
  const { spec } = target;
  const params = routeParamNames(spec.route);
  const bodySchema = spec.body;
  const hasRequiredBodyField =
    bodySchema instanceof z.ZodObject && Object.values(bodySchema.shape).some((s) => !unwrap(s).optional);
  const requests: FuzzRequest[] = fixedRequests(target);
  for (let i = 0; i < count; i++) {
    const pathValues = { ...target.pathValues };
    let query = '';
    let method: string = spec.method;
    const headers: Record<string, string> = { ...(target.validHeaders?.() ?? {}) };
    let body: Uint8Array | undefined = bodySchema ? jsonBody(target.validBody) : undefined;
    if (bodySchema) headers['content-type'] = 'application/json';
    const labels: string[] = [];
    let mustRefuse = false;
    let mustNotChange = false;

    const mutations = rng.chance(0.15) ? 2 : 1;
    // Two mutations touch different parts: a second body would hide what the first one did.
    const used = new Set<string>();
    for (let m = 0; m < mutations && !used.has('method'); m++) {
      const kind = rng.weighted(
        (
          [
            ['path', params.length > 0 ? 4 : 0],
            ['tenant', params.includes('tenantId') && !target.anyTenant ? 2 : 0],
            ['query', 3],
            ['bodyField', bodySchema ? 7 : 0],
            ['bodyJunk', bodySchema ? 3 : 0],
            ['contentType', bodySchema ? 1 : 0],
            ['headers', 1],
            ['method', 0.4],
            ['bodyOnGet', bodySchema ? 0 : 0.4],
          ] as const
        ).map(
          ([k, weight]) =>
            [k, used.has(partOf[k]) || (k === 'method' && used.size > 0) ? 0 : weight] as const,
        ),
      );
      used.add(partOf[kind]);
      switch (kind) {
        case 'path': {
          const name = rng.pick(params);
          const valid = target.pathValues[name] ?? name;
          const odd = rng.chance(0.2)
            ? {
                wire: `${encodeURIComponent(valid)}${rng.pick(['%00', '%2F', '%20', '..', '%C3%A9', 'x'.repeat(300)])}`,
              }
            : rng.pick(oddIds);
          pathValues[name] = odd.wire;
          const decoded = decodesTo(odd.wire);
          const declared =
            spec.params instanceof z.ZodObject
              ? (spec.params.shape as Record<string, z.ZodType>)[name]
              : undefined;
          labels.push(`path: ${name}=${preview(odd.wire)}`);
          // The URL parser resolves dot segments: such a path may land on another, valid route.
          if (!odd.normalised)
            mustRefuse ||= decoded === undefined || !declared || !declared.safeParse(decoded).success;
          break;
        }
        case 'tenant': {
          const [tenant, refused] = rng.pick([
            [target.otherTenantId, true],
            ['00000000-0000-0000-0000-000000000000', true],
            [`{${target.pathValues['tenantId']}}`, true],
            [`${target.pathValues['tenantId']}%00`, true],
            [`${target.pathValues['tenantId']}%20`, true],
            // The caller's own tenant spelt otherwise: the same tenant, never a second one.
            [(target.pathValues['tenantId'] ?? '').toUpperCase(), false],
            [mixedCase(rng, target.pathValues['tenantId'] ?? ''), false],
          ] as const);
          pathValues['tenantId'] = tenant;
          labels.push(`tenant: ${tenant}`);
          mustRefuse ||= refused;
          mustNotChange ||= refused;
          break;
        }
        case 'query': {
          const q = queryCase(rng, target);
          query = q.query;
          labels.push(q.label);
          mustRefuse ||= q.mustRefuse;
          break;
        }
        case 'bodyField':
        case 'bodyJunk':
        case 'contentType': {
          const c =
            kind === 'bodyField'
              ? bodyFieldCase(rng, target, bodySchema!)
              : kind === 'bodyJunk'
                ? bodyJunkCase(rng, target, hasRequiredBodyField)
                : contentTypeCase(rng, target);
          body = c.body;
          if (c.contentType) headers['content-type'] = c.contentType;
          labels.push(c.label);
          mustRefuse ||= c.mustRefuse;
          mustNotChange ||= c.mustNotChange;
          break;
        }
        case 'headers': {
          const [name, value, refused] = rng.pick([
            ['x-correlation-id', '<script>', false],
            ['x-correlation-id', 'a b', false],
            ['x-correlation-id', 'c'.repeat(5000), false],
            ['x-correlation-id', '__proto__', false],
            ['if-match', '"not-the-etag"', spec.method === 'PUT'],
            ['if-match', 'W/"1"', spec.method === 'PUT'],
            ['if-match', '"' + 'e'.repeat(4000) + '"', spec.method === 'PUT'],
            ['if-match', '*', false],
            ['if-match', '', false],
            ['accept', 'application/xml', false],
            ['content-encoding', 'gzip', false],
            ['idempotency-key', '', target.validHeaders !== undefined],
            ['idempotency-key', 'has spaces', target.validHeaders !== undefined],
            ['idempotency-key', '../../x', target.validHeaders !== undefined],
            ['idempotency-key', 'k'.repeat(129), target.validHeaders !== undefined],
            ['idempotency-key', '%00', target.validHeaders !== undefined],
            // Node's parser refuses these before any handler runs.
            ['content-length', 'abc', true],
            ['content-length', '-1', true],
            ['transfer-encoding', 'gzip, chunked, identity', true],
          ] as const);
          headers[name] = value;
          labels.push(`header: ${name}: ${preview(value)}`);
          mustRefuse ||= refused;
          mustNotChange ||= refused;
          break;
        }
        case 'method': {
          method = rng.pick(['PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'get']);
          labels.push(`method: ${method}`);
          // No route serves the others; `get` (upper-cased by the host) may be another route's GET.
          mustRefuse ||= method !== 'get';
          mustNotChange = true;
          break;
        }
        case 'bodyOnGet': {
          body = rng.pick([
            jsonBody(pollutionValue()),
            new Uint8Array([0xff, 0xfe]),
            jsonBody(big.deepArrays),
          ]);
          headers['content-type'] = 'application/json';
          labels.push('a body where none is expected');
          // A route without a body refuses one; a GET's never reaches it (the framework drops it).
          mustRefuse ||= spec.method !== 'GET';
          break;
        }
      }
    }
    // A refused request changes nothing; so does anything certainly invalid.
    mustNotChange ||= mustRefuse;
    requests.push({
      label: labels.join(' + '),
      method,
      path: substitute(spec.route, pathValues),
      query,
      headers,
      ...(body === undefined ? {} : { body }),
      mustRefuse,
      mustNotChange,
    });
  }
  return requests;
}

/**
 * Fields that hold an identity or a name a person reads: hidden characters there are refused by
 * contract (issue 23), whatever the route's schema says, so a schema that lets them through fails.
 */
const identityKeys = new Set(['upn', 'name']);

/**
 * Requests every run sends besides the `count` generated ones, whatever the seed: inputs once
 * accepted, which random picks reach only now and then. Each string field of the body and each
 * path parameter gets each of `hiddenCharacterStrings`; a route that takes no body gets one.
 */
function fixedRequests(target: FuzzTarget): FuzzRequest[] {
  const { spec } = target;
  const base = () => ({
    method: spec.method as string,
    path: substitute(spec.route, target.pathValues),
    query: '',
    headers: {
      ...(target.validHeaders?.() ?? {}),
      ...(spec.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(spec.body ? { body: jsonBody(target.validBody) } : {}),
  });
  const requests: FuzzRequest[] = [];
  if (spec.body) {
    const strings = fieldsOf(spec.body, target.validBody, target.rowSchemas ?? {}).filter(
      (field) => field.schema instanceof z.ZodString,
    );
    for (const field of strings) {
      const identity = identityKeys.has(String(field.path[field.path.length - 1]));
      for (const value of hiddenCharacterStrings) {
        const refused = identity || refuses(field.declared, value);
        requests.push({
          ...base(),
          label: `fixed: body ${field.path.join('.')} = ${preview(value)}`,
          body: jsonBody(setAt(target.validBody, field.path, value)),
          mustRefuse: refused && !field.inRow,
          mustNotChange: refused,
        });
      }
    }
  } else if (spec.method !== 'GET') {
    // POST …/restore-points answered 202 to this, ignoring the time it asked for.
    requests.push({
      ...base(),
      label: 'fixed: a body where none is expected',
      headers: { ...base().headers, 'content-type': 'application/json' },
      body: jsonBody({ takenAt: '1999-01-01T00:00:00Z' }),
      mustRefuse: true,
      mustNotChange: true,
    });
  }
  const params = spec.params instanceof z.ZodObject ? (spec.params.shape as Record<string, z.ZodType>) : {};
  for (const name of routeParamNames(spec.route)) {
    for (const value of hiddenCharacterStrings) {
      const refused = identityKeys.has(name) || !(params[name]?.safeParse(value).success ?? false);
      requests.push({
        ...base(),
        label: `fixed: path ${name}=${preview(value)}`,
        path: substitute(spec.route, { ...target.pathValues, [name]: encodeURIComponent(value) }),
        mustRefuse: refused,
        mustNotChange: refused,
      });
    }
  }
  return requests;
}
