/**
 * The embedded Cosmos emulator answers every query by handing all documents of the container to the
 * compiled query. An activation's status sums its counter documents (16 shards × each writing
 * region) with `c.type = 'counter' AND c.activationId = @activation`, so each status read walked
 * all 50,000 of the activation's tasks as well: status p99 4.4 s at 50,000 devices while the
 * activation ran. Cosmos DB serves such a filter from its index (every path is indexed by default).
 *
 * This gives the emulator hash indexes on top-level fields. A query whose WHERE requires
 * `c.field = constant` (one of the ANDs at its top) runs over the documents holding that value
 * only, when they are at most half of the container; with several such fields, over the fewest.
 * The query itself still runs in full on them, so results, their order (by `_rid` or ORDER BY) and
 * continuation tokens (values, not offsets) are what the whole container gives. A field's index is
 * built by the first query that can use it and kept on every write after.
 */
import { createRequire } from 'node:module';
import type Items from '@vercel/cosmosdb-server/lib/account/items';
import { checkCosmosServer } from './cosmosEmulatorPackages';
import { expectFunction } from './patchChecks';

type Value = string | number | boolean;
/** Per field, the `_rid`s of the documents holding each value, in the container's own order. */
type FieldIndexes = Map<string, Map<Value, Set<string>>>;
type Document = Record<string, unknown> & { _rid: string };
type Parameters = { name: string; value: unknown }[] | undefined;

interface IndexedItems {
  _data: Map<string, { read(): Document | undefined }>;
  _getQuery(sql: string): { ast: unknown };
  _item(keyPath: string, id: string, partition: unknown): { read(): Document | undefined };
  [indexesKey]?: FieldIndexes;
}

/** Shared by every copy of this module (a test worker reloads modules but not Node's require cache). */
const indexesKey = Symbol.for('clouddr.emulatorEqualityIndexes');
const installedKey = Symbol.for('clouddr.emulatorEqualityIndexesInstalled');

/** AST nodes of `@zeit/cosmosdb-query`'s parser, as far as this reads them. */
interface Node {
  type: string;
  [key: string]: unknown;
}

/**
 * The top-level fields the query's WHERE requires to equal a string, number or boolean, with that
 * value: only from conjuncts joined by AND at the top, on the FROM clause's own alias.
 */
export function requiredEqualities(ast: unknown, parameters: Parameters): Map<string, Value> {
  const required = new Map<string, Value>();
  const body = (ast as Node | undefined)?.['body'] as Node | undefined;
  const alias = fromAlias(body);
  const condition = (body?.['where'] as Node | null | undefined)?.['condition'] as Node | undefined;
  if (!alias || !condition) return required;
  for (const conjunct of conjuncts(condition)) {
    if (conjunct['operator'] !== '=') continue;
    const sides = [conjunct['left'] as Node, conjunct['right'] as Node];
    for (const [field, constant] of [sides, [...sides].reverse()]) {
      const name = fieldOf(field!, alias);
      const value = name === undefined ? undefined : constantOf(constant!, parameters);
      // Two different values required of one field: no document matches; leave that to the query.
      if (name !== undefined && value !== undefined && !required.has(name)) required.set(name, value);
    }
  }
  return required;
}

/** The name the FROM clause gives the container's documents; undefined when it reads parts of them. */
function fromAlias(body: Node | undefined): string | undefined {
  const source = (body?.['from'] as Node | null | undefined)?.['source'] as Node | undefined;
  // `FROM x IN c.items` and `FROM c.items x` range over values inside the documents.
  if (source?.['type'] !== 'from_source' || source['iteration']) return undefined;
  const expression = source['expression'] as Node;
  if (expression['type'] !== 'collection_expression') return undefined;
  const alias = source['alias'] as Node | null;
  return (alias ?? (expression['expression'] as Node))['name'] as string | undefined;
}

function conjuncts(condition: Node): Node[] {
  if (condition['type'] === 'scalar_binary_expression' && condition['operator'] === 'AND') {
    return [...conjuncts(condition['left'] as Node), ...conjuncts(condition['right'] as Node)];
  }
  return [condition];
}

function fieldOf(node: Node, alias: string): string | undefined {
  if (node['type'] !== 'scalar_member_expression' || node['computed']) return undefined;
  const object = node['object'] as Node;
  if (object['type'] !== 'identifier' || object['name'] !== alias) return undefined;
  return (node['property'] as Node)['name'] as string;
}

function constantOf(node: Node, parameters: Parameters): Value | undefined {
  const value =
    node['type'] === 'parameter_name'
      ? parameters?.find((p) => p.name === node['name'])?.value
      : ['string_constant', 'number_constant', 'boolean_constant'].includes(node['type'])
        ? node['value']
        : undefined;
  return isValue(value) ? value : undefined;
}

function isValue(value: unknown): value is Value {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The index of `field`, built from the container's documents the first time a query needs it. */
function indexOf(items: IndexedItems, field: string): Map<Value, Set<string>> {
  const indexes = (items[indexesKey] ??= new Map<string, Map<Value, Set<string>>>());
  let index = indexes.get(field);
  if (!index) {
    index = new Map<Value, Set<string>>();
    for (const item of items._data.values()) add(index, item.read(), field);
    indexes.set(field, index);
  }
  return index;
}

function add(index: Map<Value, Set<string>>, document: Document | undefined, field: string): void {
  const value = document?.[field];
  if (!isValue(value)) return;
  let rids = index.get(value);
  if (!rids) index.set(value, (rids = new Set()));
  rids.add(document!._rid);
}

function remove(index: Map<Value, Set<string>>, document: Document, field: string): void {
  const value = document[field] as Value;
  const rids = index.get(value);
  rids?.delete(document._rid);
  if (rids?.size === 0) index.delete(value);
}

/**
 * The `_rid`s a query can match, from the smallest index among its required equalities; undefined
 * when it requires none (the query then sees every document, as before).
 */
function candidates(items: IndexedItems, sql: string, parameters: Parameters): Set<string> | undefined {
  let fewest: Set<string> | undefined;
  for (const [field, value] of requiredEqualities(items._getQuery(sql).ast, parameters)) {
    const rids = indexOf(items, field).get(value) ?? new Set<string>();
    if (!fewest || rids.size < fewest.size) fewest = rids;
  }
  return fewest;
}

/** Installs the indexes on the emulator's document store: queries narrowed, every write kept in them. */
export function installEqualityIndexes(): void {
  const fix = 'equalityIndexes';
  const server = checkCosmosServer(fix);
  const module = createRequire(__filename)('@vercel/cosmosdb-server/lib/account/items') as {
    default: typeof Items;
  };
  const ItemsClass = module.default;
  const prototype = ItemsClass.prototype as unknown as Record<string | symbol, unknown>;
  expectFunction(fix, server, prototype, 'query', 2);
  expectFunction(fix, server, prototype, '_set', 1);
  expectFunction(fix, server, prototype, 'delete', 2);
  expectFunction(fix, server, prototype, '_getQuery', 1);
  expectFunction(fix, server, prototype, '_item', 3);
  if (prototype[installedKey]) return;
  /* eslint-disable @typescript-eslint/unbound-method -- the originals are called with each store as `this`. */
  const query = ItemsClass.prototype.query;
  const set = ItemsClass.prototype._set;
  const del = ItemsClass.prototype.delete;
  /* eslint-enable @typescript-eslint/unbound-method */

  ItemsClass.prototype.query = function (this: Items<never, never>, params, options) {
    const items = this as unknown as IndexedItems;
    const rids = candidates(items, params.query, params.parameters);
    // Copying most of the store into a smaller one would cost more than it saves.
    if (!rids || rids.size * 2 > items._data.size) return query.call(this, params, options) as unknown;
    // The original reads `_data` once, synchronously: it sees just the candidates, in store order.
    const all = items._data;
    const narrowed = new Map([...rids].map((rid) => [rid, all.get(rid)!]));
    items._data = narrowed;
    try {
      return query.call(this, params, options) as unknown;
    } finally {
      items._data = all;
    }
  };
  ItemsClass.prototype._set = function (this: Items<never, never>, data) {
    const result = set.call(this, data);
    const indexes = (this as unknown as IndexedItems)[indexesKey];
    for (const [field, index] of indexes ?? []) add(index, data, field);
    return result;
  };
  ItemsClass.prototype.delete = function (this: Items<never, never>, idOrRid, partition) {
    const items = this as unknown as IndexedItems;
    const document = items[indexesKey] ? items._item('/id', idOrRid, partition).read() : undefined;
    del.call(this, idOrRid, partition);
    for (const [field, index] of document ? items[indexesKey]! : []) remove(index, document!, field);
  };
  prototype[installedKey] = true;
}
