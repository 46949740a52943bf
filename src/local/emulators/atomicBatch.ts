/**
 * Transactional batch for the embedded Cosmos emulator. Its own batch handler applies operations
 * one by one without rolling back and refuses Patch; real Cosmos DB applies a batch all or nothing
 * and accepts Patch (with a condition). The design leans on that (a task and its counter in one
 * batch), so this handler restores the documents a failed batch touched, exactly as they were.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Account from '@vercel/cosmosdb-server/lib/account';
import type Collection from '@vercel/cosmosdb-server/lib/account/collection';
import {
  createOperation,
  deleteOperation,
  readOperation,
  replaceOperation,
  upsertOperation,
  type OperationResult,
} from '@vercel/cosmosdb-server/lib/handler/_document-operations';
import { patchOperation } from '@vercel/cosmosdb-server/lib/handler/_patch-operations';
import json from '@vercel/cosmosdb-server/lib/json';
import { failedCondition } from './patchDocument';
import getPartitionFromHeader, {
  parsePartitionKey,
} from '@vercel/cosmosdb-server/lib/utils/get-partition-from-header';
import { checkCosmosServer } from './cosmosEmulatorPackages';
import { expectFunction } from './patchChecks';

interface BatchOperation {
  operationType?: string;
  id?: string;
  partitionKey?: string;
  ifMatch?: string;
  resourceBody?: { id?: string; operations?: unknown[]; condition?: string } & Record<string, unknown>;
}

type StoredDocument = Record<string, unknown> & { _rid: string };

/** The emulator's document store, reached below its public surface to restore exact prior states. */
interface RawItems {
  _set(data: StoredDocument): StoredDocument;
  delete(id: string, partition: unknown): void;
}

/** The server's internals this handler calls, checked once at start against the version it was written for. */
export function checkAtomicBatchTargets(): void {
  const fix = 'atomicBatch';
  const server = checkCosmosServer(fix);
  const operations = { createOperation, deleteOperation, readOperation, replaceOperation, upsertOperation };
  for (const name of Object.keys(operations)) expectFunction(fix, server, operations, name, 2);
  expectFunction(fix, server, { patchOperation }, 'patchOperation', 2);
  expectFunction(fix, server, { json }, 'json', 1);
  expectFunction(fix, server, { getPartitionFromHeader }, 'getPartitionFromHeader', 1);
  expectFunction(fix, server, { parsePartitionKey }, 'parsePartitionKey', 2);
}

export async function handleAtomicBatch(
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  params: { dbId: string; collId: string },
): Promise<unknown> {
  const body = (await json(req)) as unknown;
  const collection = account.database(params.dbId).collection(params.collId);
  if (!collection.read()) {
    res.statusCode = 404;
    return {};
  }
  if (!Array.isArray(body)) {
    res.statusCode = 400;
    return { message: 'Invalid request body' };
  }
  // Operations carry their own partition key only when the caller set one; else the batch's applies.
  const batchPartitionKey = getPartitionFromHeader(req);
  const operations = (body as BatchOperation[]).map((op) => ({
    ...op,
    partitionKey: op.partitionKey ?? batchPartitionKey,
  }));
  const touched: { id: string; partition: unknown; before: StoredDocument | undefined }[] = [];
  const results: { statusCode: number; requestCharge: number; eTag?: unknown; resourceBody?: unknown }[] = [];
  let failedAt = -1;
  for (const [index, operation] of operations.entries()) {
    const id = operation.id ?? operation.resourceBody?.id;
    if (typeof id !== 'string') {
      res.statusCode = 400;
      return { message: `Operation ${index} has no id` };
    }
    const partition = parsePartitionKey(operation.partitionKey, id) as unknown;
    touched.push({ id, partition, before: readDocument(collection, id, partition) });
    const result = apply(collection, operation, id);
    if (result.statusCode >= 400) {
      failedAt = index;
      results.push({ statusCode: result.statusCode, requestCharge: 0 });
      break;
    }
    results.push({
      statusCode: result.statusCode,
      requestCharge: 1,
      eTag: result.body?.['_etag'],
      resourceBody: result.body,
    });
  }
  if (failedAt < 0) return results;

  // All or nothing: put back every document touched, newest change first.
  const items = collection.documents as unknown as RawItems;
  for (const { id, partition, before } of touched.reverse()) {
    if (readDocument(collection, id, partition)) items.delete(id, partition);
    if (before) items._set(before);
  }
  // As Cosmos DB answers: the failing operation's status, 424 Failed Dependency for the others.
  res.statusCode = 207;
  return operations.map((_, index) =>
    index === failedAt ? results[failedAt] : { statusCode: 424, requestCharge: 0 },
  );
}

function readDocument(collection: Collection, id: string, partition: unknown): StoredDocument | undefined {
  return collection.document(id, partition).read() ?? undefined;
}

function apply(collection: Collection, operation: BatchOperation, id: string): OperationResult {
  const input = { ...operation } as never;
  switch (operation.operationType) {
    case 'Create':
      return createOperation(collection, input);
    case 'Upsert':
      return upsertOperation(collection, input);
    case 'Read':
      return readOperation(collection, input);
    case 'Delete':
      return deleteOperation(collection, input);
    case 'Replace':
      return replaceOperation(collection, input);
    case 'Patch':
      return (
        failedCondition(collection, operation.partitionKey, id, operation.resourceBody?.condition) ??
        patchOperation(collection, {
          id,
          partitionKey: operation.partitionKey,
          ifMatch: operation.ifMatch,
          operations: (operation.resourceBody?.operations ?? []) as never,
        })
      );
    default:
      return {
        statusCode: 400,
        body: { message: `Operation type '${operation.operationType}' is not supported in Batch.` },
      };
  }
}
