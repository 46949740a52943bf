/** The headline of an error, in the admin's words. */
import { ApiError } from '../api/ApiError';

export function errorTitle(error: Error): string {
  if (!(error instanceof ApiError)) return 'Something went wrong';
  if (error.status === 403) return 'Your role does not allow this';
  if (error.status === 503) return 'A dependency did not answer; try again';
  return `${error.title} (${error.status})`;
}
