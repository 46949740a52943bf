/**
 * Whether a failed request may have done its work anyway and is worth sending again: no answer at
 * all (the network, a proxy's reset), or a server-side failure. A 4xx is the request's own fault —
 * sending it again changes nothing.
 */
import { ApiError } from '../api/ApiError';

export function mayHaveReachedTheApi(error: Error): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || error.status === 429 || error.status === 408;
}
