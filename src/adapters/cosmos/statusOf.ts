import { ErrorResponse } from '@azure/cosmos';

/** The HTTP status of a Cosmos DB error (409, 412, 404...), or undefined for anything else. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof ErrorResponse || (typeof err === 'object' && err !== null && 'code' in err)
    ? Number((err as { code?: unknown }).code)
    : undefined;
}
