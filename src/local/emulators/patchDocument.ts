/**
 * Conditional patch for the embedded Cosmos emulator. The emulator lower-cases a `from c where …`
 * condition before running it, so `c.nextDueAtMs` becomes `c.nextdueatms` and never matches; a
 * condition given as a whole query is run as written. These handlers pass conditions that way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Account from '@vercel/cosmosdb-server/lib/account';
import { patchOperation } from '@vercel/cosmosdb-server/lib/handler/_patch-operations';
import json from '@vercel/cosmosdb-server/lib/json';
import type Collection from '@vercel/cosmosdb-server/lib/account/collection';
import getPartitionFromHeader, {
  parsePartitionKey,
} from '@vercel/cosmosdb-server/lib/utils/get-partition-from-header';

/**
 * `from c where X` → `SELECT * FROM c WHERE c.id = @id AND c.<partition key> = <value> AND (X)`,
 * which the emulator keeps as written. The partition term matters: the emulator runs the
 * condition over every partition, where another tenant's document may have the same id.
 */
export function caseSafeCondition(
  collection: Collection,
  partitionHeader: string | undefined,
  id: string,
  condition: string | undefined,
): string | undefined {
  if (!condition) return undefined;
  const match = /^\s*from\s+c\s+where\s+([\s\S]+)$/i.exec(condition);
  if (!match) return condition;
  const path = (collection.read() as { partitionKey?: { paths?: string[] } } | null)?.partitionKey
    ?.paths?.[0];
  const partition = path && partitionHeader ? (parsePartitionKey(partitionHeader, id) as unknown) : undefined;
  const scope =
    path && partition !== undefined
      ? ` AND c${path
          .split('/')
          .filter(Boolean)
          .map((p) => `.${p}`)
          .join('')} = ${JSON.stringify(partition)}`
      : '';
  return `SELECT * FROM c WHERE c.id = @id${scope} AND (${match[1]})`;
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
  const result = patchOperation(collection, {
    id: params.docId,
    partitionKey: getPartitionFromHeader(req),
    ifMatch: req.headers['if-match'],
    operations: operations as never,
    condition: caseSafeCondition(collection, getPartitionFromHeader(req), params.docId, condition),
  });
  res.statusCode = result.statusCode;
  return result.body;
}
