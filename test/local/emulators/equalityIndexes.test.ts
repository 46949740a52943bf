import type { Container, CosmosClient, OperationInput, SqlQuerySpec } from '@azure/cosmos';
import createQuery from '@zeit/cosmosdb-query';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCosmosClient } from '../../../src/adapters/cosmos/createCosmosClient';
import { requiredEqualities } from '../../../src/local/emulators/equalityIndexes';
import { cosmosEmulatorKey } from '../../../src/local/localSettings';
import { startCosmosEmulator, type CosmosEmulator } from '../../../src/local/emulators/startCosmosEmulator';

let emulator: CosmosEmulator;
let client: CosmosClient;
let container: Container;

/** Values of the same field that equal each other in JavaScript only loosely, and a missing one. */
const kinds = ['task', 'counter', 'task', 'task', 1, '1', true, undefined];

function document(i: number): Record<string, unknown> {
  return {
    id: `d${i}`,
    pk: `p${i % 4}`,
    ...(kinds[i % kinds.length] === undefined ? {} : { type: kinds[i % kinds.length] }),
    activation: `a${i % 3}`,
    rank: (i * 7) % 10,
    nested: { type: 'counter' },
    tags: i % 2 ? ['a', 'counter'] : ['b'],
  };
}

beforeAll(async () => {
  emulator = await startCosmosEmulator(0);
  client = createCosmosClient({
    kind: 'connectionString',
    connectionString: `AccountEndpoint=http://127.0.0.1:${emulator.port}/;AccountKey=${cosmosEmulatorKey}`,
  });
  const { database } = await client.databases.createIfNotExists({ id: 'db' });
  ({ container } = await database.containers.createIfNotExists({
    id: 'indexed',
    partitionKey: { paths: ['/pk'] },
  }));
  for (let i = 0; i < 60; i++) await container.items.create(document(i));
});
afterAll(async () => {
  client.dispose();
  await emulator.close();
});

const queries: SqlQuerySpec[] = [
  { query: "SELECT * FROM c WHERE c.type = 'counter'" },
  {
    query: "SELECT * FROM c WHERE c.type = 'counter' AND c.activation = @a",
    parameters: [{ name: '@a', value: 'a1' }],
  },
  {
    query: 'SELECT c.id FROM c WHERE @t = c.type ORDER BY c.rank DESC',
    parameters: [{ name: '@t', value: 'task' }],
  },
  { query: 'SELECT * FROM c WHERE c.type = 1' },
  { query: "SELECT * FROM c WHERE c.type = '1'" },
  { query: 'SELECT * FROM c WHERE c.type = true' },
  // Not narrowed: an OR at the top, a nested field, a non-equality. (The emulator cannot page a FROM over values inside documents.)
  { query: "SELECT * FROM c WHERE c.type = 'counter' OR c.rank = 3" },
  { query: "SELECT * FROM c WHERE c.nested.type = 'counter' AND c.rank > 5" },
  { query: "SELECT VALUE COUNT(1) FROM c WHERE c.type != 'task'" },
  { query: "SELECT * FROM c WHERE c.type = 'counter' AND c.type = 'task'" },
  { query: 'SELECT * FROM c WHERE c.type = @missing' },
];

/** Every result of a query through the SDK, by default three to a page, so continuation tokens are followed. */
async function viaEmulator(spec: SqlQuerySpec, maxItemCount = 3): Promise<unknown[]> {
  const results: unknown[] = [];
  const iterator = container.items.query(spec, { maxItemCount });
  while (iterator.hasMoreResults()) results.push(...(await iterator.fetchNext()).resources);
  return results.map(withoutSystemFields);
}

/** The same query run by the emulator's own engine over the whole container, nothing narrowed. */
async function overWholeContainer(spec: SqlQuerySpec): Promise<unknown[]> {
  const { resources } = await container.items.readAll().fetchAll();
  const { result } = createQuery(spec.query).exec(resources, { parameters: spec.parameters }) as {
    result: unknown[];
  };
  return result.map(withoutSystemFields);
}

function withoutSystemFields(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('_')));
}

async function expectSameAsWholeContainer(): Promise<void> {
  for (const spec of queries) {
    expect(await viaEmulator(spec), spec.query).toEqual(await overWholeContainer(spec));
  }
}

describe('the embedded Cosmos emulator: equality indexes', () => {
  it('finds the fields a WHERE requires to equal a constant, only from ANDs at its top', () => {
    const ast = (sql: string) => createQuery(sql).ast;
    const parameters = [{ name: '@a', value: 'a1' }];
    expect(
      requiredEqualities(ast("SELECT * FROM c WHERE c.type = 'x' AND (@a = c.b AND c.n = 2)"), parameters),
    ).toEqual(
      new Map<string, unknown>([
        ['type', 'x'],
        ['b', 'a1'],
        ['n', 2],
      ]),
    );
    expect(requiredEqualities(ast('SELECT * FROM docs d WHERE d.t = false'), [])).toEqual(
      new Map([['t', false]]),
    );
    for (const sql of [
      "SELECT * FROM c WHERE c.type = 'x' OR c.n = 2",
      "SELECT * FROM c WHERE NOT (c.type = 'x')",
      "SELECT * FROM c WHERE c.a.b = 'x'",
      "SELECT * FROM c WHERE c['type'] = 'x'",
      'SELECT * FROM c WHERE c.type = c.other',
      'SELECT * FROM c WHERE c.type = @a',
      'SELECT * FROM c WHERE c.type = null',
      "SELECT * FROM x IN c.tags WHERE x.type = 'x'",
      "SELECT * FROM c.nested n WHERE n.type = 'x'",
      "SELECT * FROM c JOIN t IN c.tags WHERE t.type = 'x'",
      'SELECT * FROM c',
    ]) {
      expect(requiredEqualities(ast(sql), []), sql).toEqual(new Map());
    }
  });

  it('answers every query as the whole container does, before and after its writes', async () => {
    await expectSameAsWholeContainer();
    // Writes of every kind after the indexes exist: each must move the document between values.
    await container.items.create({ ...document(60), type: 'counter' });
    await container.item('d1', 'p1').replace({ ...document(1), type: 'task' });
    await container.items.upsert({ ...document(2), type: 'counter' });
    await container.item('d9', 'p1').delete();
    await container.item('d10', 'p2').patch([{ op: 'set', path: '/type', value: 'counter' }]);
    await container.items.batch(
      [
        { operationType: 'Create', resourceBody: { ...document(61), type: 'counter' } },
        { operationType: 'Delete', id: 'd17' },
        {
          operationType: 'Patch',
          id: 'd25',
          resourceBody: { operations: [{ op: 'remove', path: '/type' }] },
        },
      ] as OperationInput[],
      'p1',
    );
    // A batch that fails is undone: its documents return to the store as they were.
    const failed = await container.items.batch(
      [
        { operationType: 'Delete', id: 'd5' },
        { operationType: 'Create', resourceBody: { ...document(13), pk: 'p1' } },
      ] as OperationInput[],
      'p1',
    );
    expect(failed.result?.map((r) => r.statusCode)).toContain(409);
    await expectSameAsWholeContainer();
    const counters = (await viaEmulator(queries[0]!)) as { id: string }[];
    expect(counters.map((c) => c.id).sort()).toEqual(['d10', 'd2', 'd33', 'd41', 'd49', 'd57', 'd60', 'd61']);
  });

  it('reads only the documents holding the required value', async () => {
    const { resources: all } = await container.items.readAll().fetchAll();
    const Item = createRequire(__filename)('@vercel/cosmosdb-server/lib/account/item').default as {
      prototype: { read(): unknown };
    };
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with each item as `this`.
    const read = Item.prototype.read;
    let reads = 0;
    Item.prototype.read = function (this: unknown) {
      const value = read.call(this);
      // The container's documents only, not the database's or the container's own records.
      if (typeof value === 'object' && value !== null && 'pk' in value) reads += 1;
      return value;
    };
    try {
      // One page each: one query over the store.
      const counters = await viaEmulator(queries[1]!, 100);
      const narrowedReads = reads;
      reads = 0;
      await viaEmulator(queries[6]!, 100);
      expect(counters.length).toBeGreaterThan(0);
      // The unnarrowed query reads each of the 60 documents alike (the SDK's requests may read a
      // document more than once); the narrowed one reads only the 8 counters, the smaller of its two
      // required values (activation a1 has 20 documents).
      const perDocument = reads / all.length;
      expect(perDocument).toBeGreaterThanOrEqual(1);
      expect(narrowedReads).toBe(8 * perDocument);
    } finally {
      Item.prototype.read = read;
    }
  });
});
