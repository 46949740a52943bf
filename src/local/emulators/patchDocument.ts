/**
 * Conditional patch for the embedded Cosmos emulator. The emulator lower-cases a `from c where …`
 * condition before running it, so `c.nextDueAtMs` becomes `c.nextdueatms` and never matches; a
 * condition given as a whole query is run as written. These handlers pass conditions that way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Account from '@vercel/cosmosdb-server/lib/account';
import { patchOperation } from '@vercel/cosmosdb-server/lib/handler/_patch-operations';
import json from '@vercel/cosmosdb-server/lib/json';
import getPartitionFromHeader from '@vercel/cosmosdb-server/lib/utils/get-partition-from-header';

/** `from c where X` → `SELECT * FROM c WHERE c.id = @id AND (X)`, which the emulator keeps as is. */
export function caseSafeCondition(condition: string | undefined): string | undefined {
  if (!condition) return undefined;
  const match = /^\s*from\s+c\s+where\s+([\s\S]+)$/i.exec(condition);
  return match ? `SELECT * FROM c WHERE c.id = @id AND (${match[1]})` : condition;
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
    condition: caseSafeCondition(condition),
  });
  res.statusCode = result.statusCode;
  return result.body;
}
