import { ErrorResponse, type Container, type SqlQuerySpec } from '@azure/cosmos';
import { RuleViolationError } from '../../domain/errors';
import type { Page, PageRequest } from '../../ports/Page';
import { statusOf } from './statusOf';

/** One page of a query, resuming from the caller's continuation token. */
export async function fetchPage<D, T>(
  container: Container,
  spec: SqlQuerySpec,
  page: PageRequest,
  map: (document: D) => T,
  partitionKey?: string,
): Promise<Page<T>> {
  const query = container.items.query<D>(spec, {
    ...(partitionKey === undefined ? {} : { partitionKey }),
    maxItemCount: page.pageSize,
    continuationToken: page.continuationToken,
  });
  let result;
  try {
    result = await query.fetchNext();
  } catch (err) {
    if (page.continuationToken && isBadContinuation(err)) {
      throw new RuleViolationError(
        'invalid-continuation-token',
        'is not a continuation token of this query',
        'query.continuationToken',
      );
    }
    throw err;
  }
  const items = result.resources.map(map);
  return result.continuationToken ? { items, continuationToken: result.continuationToken } : { items };
}

/**
 * Cosmos DB answers a token it cannot read with 400; the SDK, reading a cross-partition query's
 * token itself, throws without a status.
 */
function isBadContinuation(err: unknown): boolean {
  return statusOf(err) === 400 || (err instanceof ErrorResponse && /continuation token/i.test(err.message));
}
