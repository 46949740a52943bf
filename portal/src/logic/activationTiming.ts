/**
 * The activation's RTO and ETA as the watch page words them. The API gives `rtoSeconds` while
 * recovering (elapsed so far) and once completed (request to the last device recovered), but not
 * after a completed activation moves on to deactivation: then it is worked out from the same two
 * times the API uses, so the measured RTO stays on the page for the review after the outage.
 */
import type { ActivationReport } from './activationTypes';
import { formatDuration } from './durations';

type Timing = Pick<
  ActivationReport,
  'state' | 'rtoSeconds' | 'etaSeconds' | 'requestedAt' | 'completedAt' | 'lastRecoveredAt'
>;

export interface Shown {
  label: string;
  value: string;
}

function moving(state: Timing['state']): boolean {
  return state === 'planning' || state === 'recovering';
}

export function rtoShown(report: Timing): Shown {
  if (moving(report.state))
    return { label: 'Elapsed since the request', value: formatDuration(report.rtoSeconds) };
  if (report.rtoSeconds !== undefined && report.state === 'completed')
    return { label: 'Measured RTO', value: formatDuration(report.rtoSeconds) };
  if (report.completedAt && report.lastRecoveredAt) {
    const ms = Date.parse(report.lastRecoveredAt) - Date.parse(report.requestedAt);
    return { label: 'Measured RTO', value: formatDuration(ms / 1000) };
  }
  return { label: 'Measured RTO', value: 'Not measured: recovery did not complete' };
}

export function etaShown(report: Timing): Shown {
  const label = 'Time left';
  if (report.etaSeconds !== undefined)
    return { label, value: `About ${formatDuration(report.etaSeconds)} more` };
  if (moving(report.state)) return { label, value: 'Estimated once devices are recovered' };
  return { label, value: '—' };
}
