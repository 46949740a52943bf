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
 */
import { azuriteLoki, type LokiCollection, type LokiResultset } from './azuriteLoki';

/** Operators a binary index answers with a range, as Loki itself uses them for a first field. */
const rangeOperators = ['$eq', '$lt', '$lte', '$gt', '$gte'] as const;
type RangeOperator = (typeof rangeOperators)[number];

/** The query with its most selective indexed field first; other queries as they are. */
export function mostSelectiveFirst(collection: LokiCollection, query: unknown): unknown {
  if (!isPlainObject(query)) return query;
  const fields = Object.keys(query);
  if (fields.length < 2 || collection.data.length === 0) return query;
  let best: string | undefined;
  let bestRows = Infinity;
  for (const field of fields) {
    const condition = asRange(query[field]);
    if (!condition || !collection.binaryIndices[field]) continue;
    if (collection.adaptiveBinaryIndices !== true) collection.ensureIndex(field);
    const [start, end] = collection.calculateRange(condition.operator, field, condition.value);
    const rows = Math.max(0, end - start + 1);
    if (rows < bestRows) [best, bestRows] = [field, rows];
  }
  if (best === undefined || best === fields[0]) return query;
  const reordered: Record<string, unknown> = { [best]: query[best] };
  for (const field of fields) if (field !== best) reordered[field] = query[field];
  return reordered;
}

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

function isComparable(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Patches the LokiJS that Azurite loads; call before Azurite is required. */
export function installSelectiveLookups(): void {
  const prototype = azuriteLoki().Resultset.prototype;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const find = prototype.find;
  prototype.find = function (this: LokiResultset, query: unknown, firstOnly?: boolean) {
    // Only the first filter of a chain can use an index; later ones filter its rows anyway.
    const ordered = this.filterInitialized ? query : mostSelectiveFirst(this.collection, query);
    return find.call(this, ordered, firstOnly);
  };
}
