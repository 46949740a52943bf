/** Continuation tokens go to clients as opaque base64url, so their inner shape is not a contract. */
import { RuleViolationError } from '../domain/errors';

export function encodeContinuationToken(token: string | undefined): string | undefined {
  return token === undefined ? undefined : Buffer.from(token, 'utf8').toString('base64url');
}

/**
 * Only what this API could have returned goes on to the store. The decoded token becomes the
 * `x-ms-continuation` header of a Cosmos DB request, so it must be printable ASCII: a tampered
 * token (a real one with bytes added or cut) decoded to characters Node refuses in a header, and
 * the request failed before it was sent, answering 500. Base64url must also round-trip exactly
 * (the decoder skips what it cannot read), and a token that looks like JSON must be JSON.
 */
export function decodeContinuationToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const decoded = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (
    encodeContinuationToken(decoded) !== token ||
    !/^[\x20-\x7e]+$/.test(decoded) ||
    !looksIssued(decoded)
  ) {
    throw new RuleViolationError(
      'invalid-continuation-token',
      'is not a continuation token this API returned',
      'query.continuationToken',
    );
  }
  return decoded;
}

/** Cosmos DB's tokens are JSON (cross-partition and the SDK's own) or start with `+RID:`. */
function looksIssued(decoded: string): boolean {
  if (decoded.startsWith('+')) return true;
  if (!decoded.startsWith('{') && !decoded.startsWith('[')) return false;
  try {
    JSON.parse(decoded);
    return true;
  } catch {
    return false;
  }
}
