/**
 * The embedded Cosmos emulator compiles every query (`@zeit/cosmosdb-query`) into JavaScript that
 * gathers the documents of its FROM clause with `reduce(($, c) => [...$, { c }], [])`: it copies the
 * accumulator once per document, so a query over N documents costs O(N²) before any filter runs —
 * 0.4 s at 10,000 documents, several seconds at 50,000, and every other request waits meanwhile.
 * The accumulator always starts as a fresh `[]` of that one reduce, so appending in place gives the
 * same result in O(N): `[...$, a, ...b]` becomes `($.push(a, ...b), $)`.
 */
import createQuery from '@zeit/cosmosdb-query';
import { checkCosmosQuery } from './cosmosEmulatorPackages';
import { expectFunction, expectGetter } from './patchChecks';

const spreadAccumulator = '[...$, ';

/** The compiled query code with every copying accumulation replaced by an in-place append. */
export function linearAccumulation(code: string): string {
  let result = code;
  // From the last occurrence back, so an inner one (a JOIN's own reduce) is rewritten before the
  // outer one that contains it, and earlier offsets stay valid.
  for (const start of accumulationStarts(code).reverse()) {
    const end = closingBracket(result, start);
    const appended = result.slice(start + spreadAccumulator.length, end);
    result = `${result.slice(0, start)}($.push(${appended}), $)${result.slice(end + 1)}`;
  }
  return result;
}

/** Where `[...$, ` opens an array in the code itself, not inside a string literal from the SQL. */
function accumulationStarts(code: string): number[] {
  const starts: number[] = [];
  for (let i = 0; i < code.length; i++) {
    if (isQuote(code[i]!)) i = endOfString(code, i);
    else if (code.startsWith(spreadAccumulator, i)) starts.push(i);
  }
  return starts;
}

/** The index of the `]` that closes the `[` at `open`, skipping nested brackets and string literals. */
function closingBracket(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const ch = code[i]!;
    if (isQuote(ch)) {
      i = endOfString(code, i);
    } else if (ch === '[' || ch === '(' || ch === '{') {
      depth++;
    } else if (ch === ']' || ch === ')' || ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`Unbalanced brackets in compiled query code at ${open}`);
}

function isQuote(ch: string): boolean {
  return ch === '"' || ch === "'" || ch === '`';
}

function endOfString(code: string, open: number): number {
  const quote = code[open];
  for (let i = open + 1; i < code.length; i++) {
    if (code[i] === '\\') i++;
    else if (code[i] === quote) return i;
  }
  throw new Error(`Unterminated string in compiled query code at ${open}`);
}

let installed = false;

/**
 * Makes every query the emulator compiles from now on use `linearAccumulation`. The compiled code
 * is a getter on the query class; its result is cached per query, so the rewrite runs once per SQL.
 */
export function installLinearQueries(): void {
  const fix = 'linearQueries';
  const query = checkCosmosQuery(fix);
  expectFunction(fix, query, { createQuery }, 'createQuery', 1);
  if (installed) return;
  const prototype = Object.getPrototypeOf(createQuery('SELECT * FROM c')) as object;
  expectGetter(fix, query, prototype, 'code');
  // The original getter, called below with each query as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const compile = Object.getOwnPropertyDescriptor(prototype, 'code')!.get!;
  Object.defineProperty(prototype, 'code', {
    configurable: true,
    get(this: { _linearCode?: string }) {
      this._linearCode ??= linearAccumulation(compile.call(this) as string);
      return this._linearCode;
    },
  });
  installed = true;
}
