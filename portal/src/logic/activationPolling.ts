/**
 * Watching an activation: each answer of its status URL is paired with the `Retry-After` it gave
 * (5 s while planning, recovering or deactivating; none once settled), for usePolling to look
 * again when the API says, and polling ends when the activation has settled.
 */
import { retryAfterMs } from '../api/ApiError';
import type { ActivationReport } from './activationTypes';
import { isSettled } from './activationStates';

export interface PolledActivation {
  data: ActivationReport;
  retryAfterMs?: number;
}

export function polledActivation(
  data: ActivationReport,
  response: Pick<Response, 'headers'>,
): PolledActivation {
  const after = retryAfterMs(response.headers.get('retry-after'));
  return after === undefined ? { data } : { data, retryAfterMs: after };
}

/** Nothing moves any more: stop polling (an admin's deactivation starts it again). */
export function activationIsSettled(report: Pick<ActivationReport, 'state'>): boolean {
  return isSettled(report.state);
}
