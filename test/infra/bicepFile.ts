/**
 * Just enough of a Bicep reader for the infra tests, which run where no Bicep compiler can be
 * installed: top-level declarations (param, var, resource, module, output) with their values parsed
 * into objects and arrays, and every other expression kept as its source text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An object or array literal, or the source text of any other expression. */
export type BicepValue = string | BicepValue[] | BicepObject;
export interface BicepObject {
  [key: string]: BicepValue;
}

export interface Declaration {
  keyword: 'param' | 'var' | 'resource' | 'module' | 'output' | 'targetScope' | 'type' | 'func' | 'import';
  name: string;
  /** A resource's type (`Microsoft.Storage/storageAccounts`), a module's path, a param's or output's type. */
  type: string;
  apiVersion?: string;
  /** `for <loop.item> in <loop.source>:` of a resource, module or variable loop. */
  loop?: { item: string; source: string };
  /** A resource declared `existing`: referenced, not deployed, by this file. */
  existing?: boolean;
  /** The source text of each decorator above the declaration, such as `@allowed([...])`. */
  decorators?: string[];
  value?: BicepValue;
}

export const infraDir = join(__dirname, '..', '..', 'infra');

export class BicepFile {
  readonly declarations: Declaration[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    this.declarations = parseDeclarations(text);
  }

  /** A file under infra/, e.g. `modules/cosmos.bicep`. */
  static read(relativePath: string): BicepFile {
    return new BicepFile(relativePath, readFileSync(join(infraDir, relativePath), 'utf8'));
  }

  resources(type?: string): Declaration[] {
    return this.declarations.filter(
      (d) => d.keyword === 'resource' && (type === undefined || d.type === type),
    );
  }

  resource(name: string): Declaration {
    return this.declared('resource', name);
  }

  module(name: string): Declaration {
    return this.declared('module', name);
  }

  variable(name: string): BicepValue {
    return this.declared('var', name).value!;
  }

  param(name: string): Declaration | undefined {
    return this.declarations.find((d) => d.keyword === 'param' && d.name === name);
  }

  outputs(): Declaration[] {
    return this.declarations.filter((d) => d.keyword === 'output');
  }

  private declared(keyword: Declaration['keyword'], name: string): Declaration {
    const found = this.declarations.find((d) => d.keyword === keyword && d.name === name);
    if (!found) throw new Error(`${this.path} declares no ${keyword} ${name}`);
    return found;
  }
}

/** The object a value must be; fails the test with the path otherwise. */
export function asObject(value: BicepValue | undefined, what: string): BicepObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} is not an object literal`);
  }
  return value;
}

export function asArray(value: BicepValue | undefined, what: string): BicepValue[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not an array literal`);
  return value;
}

/** The source text of a value that is neither an object nor an array literal. */
export function expression(value: BicepValue | undefined, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} is not an expression`);
  return value;
}

/** `a.b.c` of an object literal. */
export function at(value: BicepValue | undefined, path: string): BicepValue | undefined {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** The text of a plain string literal (`'abc'`), or undefined for any other expression. */
export function literal(value: BicepValue | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(value);
  return match ? match[1]!.replace(/\\(.)/g, '$1') : undefined;
}

/** The arguments of a call expression `name(a, b, c)`, split at its top-level commas. */
export function callArguments(expression: string, name: string): string[] | undefined {
  const trimmed = expression.trim();
  if (!trimmed.startsWith(`${name}(`) || !trimmed.endsWith(')')) return undefined;
  const inner = trimmed.slice(name.length + 1, -1);
  const args: string[] = [];
  let start = 0;
  for (let i = 0; i < inner.length;) {
    const c = inner[i]!;
    if (c === "'") i = endOfString(inner, i);
    else if (c === '(' || c === '[' || c === '{') i = endOfBrackets(inner, i);
    else if (c === ',') {
      args.push(inner.slice(start, i).trim());
      start = ++i;
    } else i++;
  }
  args.push(inner.slice(start).trim());
  return args;
}

// ---- the reader ----

const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index just past the string literal that starts at `start` (a `'`), interpolations included. */
export function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length;) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === "'") return i + 1;
    else if (c === '$' && text[i + 1] === '{') i = endOfBrackets(text, i + 1);
    else i++;
  }
  throw new Error(`Unterminated string at ${start}`);
}

/** Index just past the bracket that closes the one at `start`, skipping strings and comments. */
export function endOfBrackets(text: string, start: number): number {
  const stack = [closing[text[start]!]!];
  for (let i = start + 1; i < text.length;) {
    const c = text[i]!;
    if (c === "'") i = endOfString(text, i);
    else if (c === '/' && text[i + 1] === '/') i = endOfLine(text, i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) + 2;
    else if (c in closing) {
      stack.push(closing[c]!);
      i++;
    } else if (c === stack[stack.length - 1]) {
      stack.pop();
      i++;
      if (stack.length === 0) return i;
    } else i++;
  }
  throw new Error(`Unbalanced ${text[start]} at ${start}`);
}

function endOfLine(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end < 0 ? text.length : end;
}

/** Skips spaces, and also line breaks, commas and comments when `separators` is set. */
function skip(text: string, start: number, separators: boolean): number {
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (separators && (c === '\n' || c === ',')) i++;
    else if (c === '/' && text[i + 1] === '/') i = endOfLine(text, i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) + 2;
    else break;
  }
  return i;
}

/** An expression's source text up to the end of its line (brackets may span lines) or a separator. */
function readExpression(text: string, start: number): [string, number] {
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") i = endOfString(text, i);
    else if (c in closing) i = endOfBrackets(text, i);
    else if (c === '\n' || c === ',' || c === '}' || c === ']') break;
    else if (c === '/' && text[i + 1] === '/') break;
    else i++;
  }
  return [text.slice(start, i).trim(), i];
}

function readValue(text: string, start: number): [BicepValue, number] {
  const i = skip(text, start, false);
  if (text[i] === '{') return readObject(text, i);
  if (text[i] === '[' && !/^\[\s*for\s/.test(text.slice(i, i + 10))) {
    const end = endOfBrackets(text, i);
    // An array literal only when nothing follows it on the line (not `[...][0]`).
    if (/^[ \t]*(\r?\n|,|\}|\]|\/\/|$)/.test(text.slice(end))) return readArray(text, i);
  }
  return readExpression(text, i);
}

function readObject(text: string, start: number): [BicepObject, number] {
  const result: BicepObject = {};
  let i = start + 1;
  for (;;) {
    i = skip(text, i, true);
    if (text[i] === '}') return [result, i + 1];
    let key: string;
    if (text[i] === "'") {
      const end = endOfString(text, i);
      key = text.slice(i + 1, end - 1);
      i = end;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!match) throw new Error(`Expected a property name at "${text.slice(i, i + 40)}"`);
      key = match[0];
      i += key.length;
    }
    i = skip(text, i, false);
    if (text[i] !== ':') throw new Error(`Expected ":" after ${key} at "${text.slice(i, i + 40)}"`);
    const [value, end] = readValue(text, i + 1);
    result[key] = value;
    i = end;
  }
}

function readArray(text: string, start: number): [BicepValue[], number] {
  const result: BicepValue[] = [];
  let i = start + 1;
  for (;;) {
    i = skip(text, i, true);
    if (text[i] === ']') return [result, i + 1];
    const [value, end] = readValue(text, i);
    result.push(value);
    i = end;
  }
}

/** `[for x in xs: { ... }]`, `[for (x, i) in xs: ...]` or a plain value, with its loop if any. */
function readDeclaredValue(text: string, start: number): [BicepValue, Declaration['loop'], number] {
  const i = skip(text, start, false);
  const loop = /^\[\s*for\s+(\(?[^)]*?\)?)\s+in\s+([^:]+?)\s*:\s*/.exec(text.slice(i));
  if (!loop) {
    const [value, end] = readValue(text, i);
    return [value, undefined, end];
  }
  const end = endOfBrackets(text, i);
  const body = text.slice(i + loop[0].length, end - 1).trim();
  const [value] = body.startsWith('{') ? readObject(body, 0) : [body];
  const item = loop[1]!.replace(/[()]/g, '').split(',')[0]!.trim();
  return [value, { item, source: loop[2]!.trim() }, end];
}

function parseDeclarations(text: string): Declaration[] {
  const declarations: Declaration[] = [];
  let decorators: string[] = [];
  let i = 0;
  while ((i = skip(text, i, true)) < text.length) {
    if (text[i] === '#') {
      // A compiler directive such as `#disable-next-line <rule>`: nothing these tests read.
      i = endOfLine(text, i);
      continue;
    }
    if (text[i] === '@') {
      // A decorator: @name or @name(...), possibly over several lines.
      const start = i;
      const name = /^@[A-Za-z.]+/.exec(text.slice(i))![0];
      i += name.length;
      if (text[i] === '(') i = endOfBrackets(text, i);
      decorators.push(text.slice(start, i));
      continue;
    }
    const head = /^(param|var|resource|module|output|targetScope|type|func|import)\b/.exec(text.slice(i));
    if (!head) throw new Error(`Unexpected "${text.slice(i, i + 40)}"`);
    const keyword = head[1] as Declaration['keyword'];
    const line = text.slice(i, endOfLine(text, i));
    const declared = declarations.length;
    if (keyword === 'resource' || keyword === 'module') {
      const match = /^(resource|module)\s+(\w+)\s+'([^']+)'\s*(existing\s*)?=/.exec(line)!;
      const [type, apiVersion] = match[3]!.split('@');
      const [value, loop, end] = readDeclaredValue(text, i + match[0].length);
      const existing = match[4] ? { existing: true } : {};
      declarations.push({ keyword, name: match[2]!, type: type!, apiVersion, loop, ...existing, value });
      i = end;
    } else if (keyword === 'var') {
      const match = /^var\s+(\w+)\s*=/.exec(line)!;
      const [value, loop, end] = readDeclaredValue(text, i + match[0].length);
      declarations.push({ keyword, name: match[1]!, type: '', loop, value });
      i = end;
    } else if (keyword === 'param' || keyword === 'output') {
      // A type such as `string`, or a typed array such as `string[]`.
      const match = /^(param|output)\s+(\w+)\s+([A-Za-z]+(?:\[\])?)\s*(=)?/.exec(line)!;
      if (match[4]) {
        const [value, end] = readValue(text, i + match[0].length);
        declarations.push({ keyword, name: match[2]!, type: match[3]!, value });
        i = end;
      } else {
        declarations.push({ keyword, name: match[2]!, type: match[3]! });
        i = endOfLine(text, i);
      }
    } else {
      declarations.push({ keyword, name: keyword, type: '', value: line });
      i = endOfLine(text, i);
    }
    if (decorators.length > 0) declarations[declared]!.decorators = decorators;
    decorators = [];
  }
  return declarations;
}
