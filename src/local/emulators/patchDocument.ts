/** Conditional patch for the embedded Cosmos emulator, with the condition checked as Cosmos DB does. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Account from '@vercel/cosmosdb-server/lib/account';
import { patchOperation } from '@vercel/cosmosdb-server/lib/handler/_patch-operations';
import json from '@vercel/cosmosdb-server/lib/json';
import createQuery from '@zeit/cosmosdb-query';
import { conditionShape } from './conditionShape';
import { checkCosmosQuery, checkCosmosServer } from './cosmosEmulatorPackages';
import { expectFunction } from './patchChecks';
import type Collection from '@vercel/cosmosdb-server/lib/account/collection';
import getPartitionFromHeader, {
  parsePartitionKey,
} from '@vercel/cosmosdb-server/lib/utils/get-partition-from-header';

/** The server's internals and query engine this handler calls, checked once at start. */
export function checkPatchDocumentTargets(): void {
  const fix = 'patchDocument';
  const server = checkCosmosServer(fix);
  expectFunction(fix, server, { patchOperation }, 'patchOperation', 2);
  expectFunction(fix, server, { json }, 'json', 1);
  expectFunction(fix, server, { getPartitionFromHeader }, 'getPartitionFromHeader', 1);
  expectFunction(fix, server, { parsePartitionKey }, 'parsePartitionKey', 2);
  expectFunction(fix, checkCosmosQuery(fix), { createQuery }, 'createQuery', 1);
}

/**
 * Evaluates a patch condition against the one document it is about. The emulator's own check
 * lower-cases the condition (so `c.nextDueAtMs` never matches) and runs it as a query over the
 * whole container, every partition included: wrong across tenants, and slower with every document.
 * Returns the failure to answer with, or undefined when the patch may go ahead.
 */
export function failedCondition(
  collection: Collection,
  partitionHeader: string | undefined,
  id: string,
  condition: string | undefined,
): { statusCode: number; body: { code: string; message: string } } | undefined {
  if (!condition) return undefined;
  const document = partitionHeader
    ? (collection.document(id, parsePartitionKey(partitionHeader, id) as string).read() as object | null)
    : null;
  // A missing document is the patch's own 404.
  if (!document) return undefined;
  const match = /^\s*from\s+c\s+where\s+([\s\S]+)$/i.exec(condition);
  const shape = conditionShape(match ? `SELECT * FROM c WHERE (${match[1]})` : condition);
  const { result } = compiled(shape.sql).exec([document], {
    parameters: [{ name: '@id', value: id }, ...shape.parameters],
  }) as { result: unknown[] };
  if (result.length > 0) return undefined;
  return {
    statusCode: 412,
    body: {
      code: 'PreconditionFailed',
      message: 'Condition specified in the patch request is not satisfied.',
    },
  };
}

/** Compiled condition shapes, the most recent 1,000 (an app has a handful). */
const compiledConditions = new Map<string, ReturnType<typeof createQuery>>();

function compiled(sql: string): ReturnType<typeof createQuery> {
  let query = compiledConditions.get(sql);
  if (!query) {
    query = createQuery(sql);
    if (compiledConditions.size >= 1_000) compiledConditions.delete(compiledConditions.keys().next().value!);
    compiledConditions.set(sql, query);
  }
  return query;
}

export async function handlePatchDocument(
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  params: { dbId: string; collId: string; docId: string },
): Promise<unknown> {
  const body = (await json(req)) as unknown;
  const collection = account.database(params.dbId).collection(params.collId);
  const operations = Array.isArray(body) ? body : (body as { operations?: unknown }).operations;
  if (!Array.isArray(operations)) {
    res.statusCode = 400;
    return { code: 'BadRequest', message: 'Invalid patch request: check syntax of patch specification.' };
  }
  const condition = Array.isArray(body) ? undefined : (body as { condition?: string }).condition;
  const partitionKey = getPartitionFromHeader(req);
  const result =
    failedCondition(collection, partitionKey, params.docId, condition) ??
    patchOperation(collection, {
      id: params.docId,
      partitionKey,
      ifMatch: req.headers['if-match'],
      operations: operations as never,
    });
  res.statusCode = result.statusCode;
  return result.body;
}
