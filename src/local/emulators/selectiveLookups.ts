/**
 * Azurite keeps its metadata in LokiJS collections. A Loki query object with several fields, such
 * as `{ accountName, containerName, name, snapshot }` for one blob, is an implicit `$and` that uses
 * a binary index only for its first field and scans what that field matched for the rest. Azurite
 * puts `accountName` first, which every blob of an account shares, so finding one blob scans the
 * whole account: 4 ms per request at 1,000 devices, 21 ms at 10,000, and every request waits in
 * line behind it (Azurite is one thread), so the protection cycle slowed quadratically with N.
 *
 * This puts first the indexed equality field whose index range is smallest (one blob name: one or
 * two rows). An `$and` matches the same documents whatever its order; only the order of results
 * can differ, and every multi-field query of Azurite 3.x either sorts its results or looks up one
 * document, a set of blocks or expired messages, where order does not matter.
 *
 * A listing by prefix queries `name: { $regex: '^prefix' }`, which no index answers, so every
 * listing scanned its whole container: two per device in an activation, each scanning 20,000 rows
 * at N = 10,000. Such a prefix is also a range of the sorted `name` index, `[prefix, prefix⁺]` (the
 * prefix with its last character raised by one), and that range leads the query when it is the
 * smallest, with the whole query, regex included, filtering its rows: the result is the same set.
 */
import { azuriteLoki, checkAzuritePackages, type LokiCollection, type LokiResultset } from './azuriteLoki';
import { expectFunction } from './patchChecks';

/** Operators a binary index answers with a range, as Loki itself uses them for a first field. */
const rangeOperators = ['$eq', '$lt', '$lte', '$gt', '$gte'] as const;
type RangeOperator = (typeof rangeOperators)[number];

/** The query with its most selective indexed field first; other queries as they are. */
export function mostSelectiveFirst(collection: LokiCollection, query: unknown): unknown {
  if (!isPlainObject(query) || collection.data.length === 0) return query;
  const fields = Object.keys(query);
  const candidates = fields.flatMap((field) => {
    const range = asRange(query[field]) ?? asPrefixRange(query[field]);
    return range && collection.binaryIndices[field] ? [{ field, range }] : [];
  });
  // Index ranges are only counted to choose between fields: most queries name just one.
  const best = candidates.length > 1 ? fewestRows(collection, candidates) : candidates[0];
  if (best === undefined) return query;
  if (best.range.operator === '$between') {
    // The range's rows, then the whole query over them: the regex keeps exactly the prefix's names.
    return { $and: [{ [best.field]: { $between: best.range.value } }, query] };
  }
  if (best.field === fields[0]) return query;
  const reordered: Record<string, unknown> = { [best.field]: query[best.field] };
  for (const field of fields) if (field !== best.field) reordered[field] = query[field];
  return reordered;
}

interface Candidate {
  field: string;
  range: IndexRange;
}

function fewestRows(collection: LokiCollection, candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  let bestRows = Infinity;
  for (const candidate of candidates) {
    const { field, range } = candidate;
    if (collection.adaptiveBinaryIndices !== true) collection.ensureIndex(field);
    const [start, end] = collection.calculateRange(range.operator, field, range.value);
    const rows = Math.max(0, end - start + 1);
    if (rows < bestRows) [best, bestRows] = [candidate, rows];
  }
  return best;
}

type IndexRange =
  { operator: RangeOperator; value: string | number } | { operator: '$between'; value: [string, string] };

/** `value` (shorthand equality) or `{ $op: value }` over a string or number; else undefined. */
function asRange(condition: unknown): { operator: RangeOperator; value: string | number } | undefined {
  if (isComparable(condition)) return { operator: '$eq', value: condition };
  if (!isPlainObject(condition)) return undefined;
  const entries = Object.entries(condition);
  if (entries.length !== 1) return undefined;
  const [operator, value] = entries[0]!;
  const known = rangeOperators.find((candidate) => candidate === operator);
  return known && isComparable(value) ? { operator: known, value } : undefined;
}

/**
 * `{ $regex: '^literal' }` as the index range holding every name that starts with the literal, or
 * undefined for any other pattern. Loki's index sorts with its own comparison, which orders
 * numeric-looking strings as numbers before all other strings: the range is right only when no
 * name with the prefix can look numeric, so the prefix must hold a character that no number has,
 * such as the `/` of every restore point's name, and the bound must not read as a number.
 */
export function asPrefixRange(
  condition: unknown,
): { operator: '$between'; value: [string, string] } | undefined {
  if (!isPlainObject(condition)) return undefined;
  const entries = Object.entries(condition);
  if (entries.length !== 1 || entries[0]![0] !== '$regex') return undefined;
  const prefix = literalPrefix(entries[0]![1]);
  if (prefix === undefined || prefix.length === 0) return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last === 0xffff) return undefined;
  const bound = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  if (!neverNumeric.test(prefix) || !Number.isNaN(Number(bound))) return undefined;
  return { operator: '$between', value: [prefix, bound] };
}

/** A character no string that `Number()` reads as a number can hold. */
const neverNumeric = /[^0-9A-Za-z+\-.\s]/;

/** The literal of a `^…` pattern with only escaped special characters; else undefined. */
function literalPrefix(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || !pattern.startsWith('^')) return undefined;
  let literal = '';
  for (let i = 1; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '\\') {
      const escaped = pattern[i + 1];
      // `\d`, `\w` and the like are classes, not characters.
      if (escaped === undefined || /[0-9A-Za-z]/.test(escaped)) return undefined;
      literal += escaped;
      i += 1;
    } else if ('.*+?^$()[]{}|'.includes(char)) {
      return undefined;
    } else {
      literal += char;
    }
  }
  return literal;
}

function isComparable(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Patches the LokiJS that Azurite loads; call before Azurite is required. */
export function installSelectiveLookups(): void {
  const { lokijs } = checkAzuritePackages('selectiveLookups');
  const loki = azuriteLoki();
  const prototype = loki.Resultset.prototype;
  expectFunction('selectiveLookups', lokijs, prototype, 'find', 2);
  expectFunction('selectiveLookups', lokijs, loki.Collection.prototype, 'calculateRange', 3);
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const find = prototype.find;
  prototype.find = function (this: LokiResultset, query: unknown, firstOnly?: boolean) {
    // Only the first filter of a chain can use an index; later ones filter its rows anyway.
    const ordered = this.filterInitialized ? query : mostSelectiveFirst(this.collection, query);
    return find.call(this, ordered, firstOnly);
  };
}
