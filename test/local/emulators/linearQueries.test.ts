import createQuery from '@zeit/cosmosdb-query';
import { describe, expect, it } from 'vitest';
import { installLinearQueries, linearAccumulation } from '../../../src/local/emulators/linearQueries';

const documents = Array.from({ length: 40 }, (_, i) => ({
  id: `d${String(39 - i).padStart(2, '0')}`,
  _rid: `rid${String(i).padStart(3, '0')}`,
  tenantId: i % 3 === 0 ? 't1' : 't2',
  name: i === 7 ? '[...$, ]' : `n${i}`,
  tags: Array.from({ length: i % 4 }, (_, k) => ({ n: k, label: `tag${k}` })),
  ...(i % 5 === 0 ? {} : { due: i % 7 }),
}));

/** Queries of every shape the compiler accumulates in: FROM, JOIN, JOIN over a subquery, ORDER BY. */
const queries: { query: string; parameters?: { name: string; value: unknown }[] }[] = [
  { query: 'SELECT * FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 't1' }] },
  { query: 'SELECT * FROM c WHERE c.due <= 3 ORDER BY c.due, c.id' },
  { query: 'SELECT c.id, t.label FROM c JOIN t IN c.tags WHERE t.n >= 1 ORDER BY c.id' },
  {
    query: 'SELECT c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t.n > 1) WHERE c.tenantId = "t2"',
  },
  { query: "SELECT c.id FROM c WHERE c.name = '[...$, ]'" },
  { query: 'SELECT VALUE COUNT(1) FROM c' },
];

function run(sql: (typeof queries)[number], page: { maxItemCount?: number; continuation?: unknown } = {}) {
  return createQuery(sql.query).exec(documents, { parameters: sql.parameters ?? [], ...page } as never) as {
    result: unknown[];
    continuation: { token: string } | null;
  };
}

/** Every page of a query, following continuation tokens. */
function allPages(sql: (typeof queries)[number]): unknown[][] {
  const pages: unknown[][] = [];
  let continuation: unknown;
  do {
    const page = run(sql, { maxItemCount: 7, ...(continuation ? { continuation } : {}) });
    pages.push(page.result);
    continuation = page.continuation ?? undefined;
  } while (continuation);
  return pages;
}

describe('linear accumulation in the emulator’s compiled queries', () => {
  it('appends in place instead of copying, and leaves string literals from the SQL alone', () => {
    const code = [
      '$c.reduce(($, c) => typeof c !== "undefined" ? [...$, {',
      '  c: c',
      '}] : $, []).reduce(($, { c }) => [...$, ...(c.tags || []).map(t => ({ c, t: [t] }))], [])',
      '.filter(({ c }) => $h.equal(c.name, "[...$, ]") === true)',
    ].join('\n');
    expect(linearAccumulation(code)).toBe(
      [
        '$c.reduce(($, c) => typeof c !== "undefined" ? ($.push({',
        '  c: c',
        '}), $) : $, []).reduce(($, { c }) => ($.push(...(c.tags || []).map(t => ({ c, t: [t] }))), $), [])',
        '.filter(({ c }) => $h.equal(c.name, "[...$, ]") === true)',
      ].join('\n'),
    );
  });

  it('gives every query the same results, page by page, as the compiler’s own code', () => {
    const before = queries.map((sql) => ({ all: run(sql).result, pages: allPages(sql) }));
    expect(createQuery(queries[0]!.query).code).toContain('[...$, ');
    expect(before.every(({ all }) => all.length > 0)).toBe(true);

    installLinearQueries();

    for (const [i, sql] of queries.entries()) {
      const code = createQuery(sql.query).code.replaceAll('"[...$, ]"', 'the literal');
      expect(code, sql.query).not.toContain('[...$, ');
      expect(run(sql).result, sql.query).toEqual(before[i]!.all);
      expect(allPages(sql), sql.query).toEqual(before[i]!.pages);
    }
  });
});
