/**
 * The embedded Cosmos emulator (`@zeit/cosmosdb-query`) sorts for ORDER BY with a comparator that
 * walks each order's path in both documents on every comparison (`getValue`, allocating an array
 * per step): about 2 × N × log₂N walks. At 50,000 devices one compliance page (`ORDER BY c.id`,
 * 50 rows) took 537 ms of the emulator's one thread, and while the benchmark's cycle ran the
 * compliance probe kept that thread 83 % busy (profiled: 70 % of its time in the sort). This sort
 * reads each document's order values and `_rid` once, then sorts the keys with the same
 * comparison rules: the same order, so the same pages and continuation tokens.
 */
import { createRequire } from 'node:module';
import type * as Helpers from '@zeit/cosmosdb-query/lib/helpers';
import { checkCosmosQuery } from './cosmosEmulatorPackages';
import { expectFunction } from './patchChecks';

type Sort = typeof Helpers.sort;

// Compiled queries call `$h.sort(…)` on the module's own exports at run time: required, not
// imported, since an import may hand out a copy of them.
const originalSort = Symbol.for('clouddr.emulatorSort');
const helpers = createRequire(__filename)('@zeit/cosmosdb-query/lib/helpers') as {
  sort: Sort;
  [originalSort]?: Sort;
};
/**
 * The emulator's own sort, even after another copy of this module installed `keyedSort` (a test
 * worker reloads modules but not Node's require cache).
 */
export const emulatorSort: Sort = (helpers[originalSort] ??= helpers.sort);

/** Cosmos DB's order of types when values of different types meet (`helpers.js`, TYPE_ORDERS). */
const typeOrder = ['undefined', 'null', 'boolean', 'number', 'string', 'array', 'object'];

function typeOf(value: unknown): string {
  const type = typeof value;
  if (type !== 'object') return type;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : type;
}

/** The emulator's comparator, as written in `helpers.js`. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const aType = typeOf(a);
  const bType = typeOf(b);
  if (aType === bType) {
    if (aType === 'object') return 0;
    return (a as string) < (b as string) ? -1 : 1;
  }
  for (const type of typeOrder) {
    if (aType === type) return -1;
    if (bType === type) return 1;
  }
  return 0;
}

function valueAt(document: unknown, path: readonly unknown[]): unknown {
  let value = document;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key as string];
    if (value === undefined) return undefined;
  }
  return value;
}

/** `helpers.sort` with each document's keys read once. */
export const keyedSort: Sort = (collection, getRid, compositeIndexes, ...orders) => {
  // The emulator's own sort of nothing: it refuses two orders without a composite index, as
  // real Cosmos DB does.
  if (orders.length > 1) emulatorSort([], getRid, compositeIndexes, ...orders);
  const keyed = collection.map((item) => ({
    item,
    values: orders.map(([path]) => valueAt(item, path)),
    rid: getRid(item) as unknown,
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < orders.length; i += 1) {
      const r = compareValues(a.values[i], b.values[i]);
      if (r !== 0) return orders[i]![1] ? -r : r;
    }
    return compareValues(a.rid, b.rid);
  });
  // With one order, documents without its value are left out (as the original does).
  const kept = orders.length === 1 ? keyed.filter((k) => k.values[0] !== undefined) : keyed;
  return kept.map((k) => k.item);
};

/** Makes every query the emulator runs from now on sort with `keyedSort`. */
export function installKeyedOrderBy(): void {
  const query = checkCosmosQuery('keyedOrderBy');
  expectFunction('keyedOrderBy', query, helpers, 'sort', 3);
  helpers.sort = keyedSort;
}
