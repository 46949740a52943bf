/**
 * Runs a transactional batch and reports, rather than throws, which operation failed. Cosmos DB
 * answers a failed batch either with per-operation statuses or (through this SDK) with an error
 * that has lost them; callers get `failedStatus` only when it is known.
 */
import type { Container, OperationInput, OperationResponse } from '@azure/cosmos';

export type BatchOutcome =
  | { ok: true; results: OperationResponse[] }
  | { ok: false; failedIndex?: number; failedStatus?: number; error?: Error };

export async function runBatch(
  container: Container,
  partitionKey: string,
  operations: OperationInput[],
): Promise<BatchOutcome> {
  let results: OperationResponse[] | undefined;
  try {
    ({ result: results } = await container.items.batch(operations, partitionKey));
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('Batch request error'))
      return { ok: false, error: err };
    throw err;
  }
  const failedIndex = (results ?? []).findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
  if (failedIndex >= 0) return { ok: false, failedIndex, failedStatus: results![failedIndex]!.statusCode };
  return { ok: true, results: results ?? [] };
}

/** A patch of one document inside a batch, optionally only when `condition` (a `from c where …` filter) holds. */
export function patchOperation(id: string, operations: unknown[], condition?: string): OperationInput {
  return {
    operationType: 'Patch',
    id,
    resourceBody: condition ? { operations, condition } : { operations },
  } as unknown as OperationInput;
}
