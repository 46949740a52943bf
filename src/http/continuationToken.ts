/** Continuation tokens go to clients as opaque base64url, so their inner shape is not a contract. */
import { RuleViolationError } from '../domain/errors';

export function encodeContinuationToken(token: string | undefined): string | undefined {
  return token === undefined ? undefined : Buffer.from(token, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const decoded = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith('{') && !decoded.startsWith('[') && !decoded.startsWith('+')) {
    throw new RuleViolationError(
      'invalid-continuation-token',
      'is not a continuation token this API returned',
      'query.continuationToken',
    );
  }
  return decoded;
}
