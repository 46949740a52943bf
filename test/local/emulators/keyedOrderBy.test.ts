import createQuery from '@zeit/cosmosdb-query';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { emulatorSort, installKeyedOrderBy, keyedSort } from '../../../src/local/emulators/keyedOrderBy';

type Sort = typeof keyedSort;
const helpers = createRequire(__filename)('@zeit/cosmosdb-query/lib/helpers') as { sort: Sort };
const originalSort = emulatorSort;

/** Values of every type Cosmos DB orders, ties included, and documents missing the field. */
const values: unknown[] = [3, -1, 3, 0.5, 'b', 'a', '', '10', true, false, null, [1, 2], [1], { x: 1 }, {}];
const documents = Array.from({ length: 90 }, (_, i) => ({
  id: `d${String((i * 37) % 90).padStart(2, '0')}`,
  // Repeats, so ties fall to `_rid`; unordered, so the order is the sort's work.
  _rid: `rid${String((i * 53) % 45).padStart(3, '0')}`,
  ...(i % 11 === 0 ? {} : { v: values[i % values.length] }),
  n: { deep: i % 4 === 0 ? undefined : i % 6 },
  tier: i % 3,
}));

const queries = [
  'SELECT * FROM c ORDER BY c.v',
  'SELECT * FROM c ORDER BY c.v DESC',
  'SELECT * FROM c ORDER BY c.n.deep',
  'SELECT * FROM c WHERE c.tier = 1 ORDER BY c.id DESC',
  'SELECT * FROM c ORDER BY c.tier, c.v DESC',
  'SELECT c.id FROM c ORDER BY c.tier DESC, c.id',
];
const compositeIndexes = [
  [
    { path: '/tier', order: 'ascending' },
    { path: '/v', order: 'descending' },
  ],
  [
    { path: '/tier', order: 'descending' },
    { path: '/id', order: 'ascending' },
  ],
];

/** Every page of a query, following continuation tokens, with each page's token. */
function allPages(query: string, sort: Sort): unknown[] {
  helpers.sort = sort;
  try {
    const pages: unknown[] = [];
    let continuation: { token: string } | undefined;
    do {
      const page = createQuery(query).exec(documents, {
        maxItemCount: 7,
        compositeIndexes,
        ...(continuation ? { continuation } : {}),
      } as never) as { result: unknown[]; continuation: { token: string } | null };
      pages.push(page);
      continuation = page.continuation ?? undefined;
      // A sort that is not a total order can make the tokens go round in circles.
      if (pages.length > documents.length) throw new Error(`No end of pages for ${query}`);
    } while (continuation);
    return pages;
  } finally {
    helpers.sort = originalSort;
  }
}

describe('keyedOrderBy', () => {
  it.each(queries)('gives the pages and tokens of the emulator’s own sort: %s', (query) => {
    const expected = allPages(query, originalSort);
    expect(expected.length).toBeGreaterThan(3);
    expect(allPages(query, keyedSort)).toEqual(expected);
  });

  it('refuses two orders without a composite index, as the emulator does', () => {
    const sort = (s: Sort) => () =>
      s(
        documents.map((c) => ({ c })),
        (d: { c: { _rid: string } }) => d.c._rid,
        [],
        [['c', 'tier'], false],
        [['c', 'id'], true],
      );
    expect(sort(originalSort)).toThrow(/composite index/);
    expect(sort(keyedSort)).toThrow(/composite index/);
  });

  it('is what compiled queries call once installed', () => {
    installKeyedOrderBy();
    try {
      expect(helpers.sort).toBe(keyedSort);
    } finally {
      helpers.sort = originalSort;
    }
  });
});
