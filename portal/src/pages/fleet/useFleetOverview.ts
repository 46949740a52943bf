/**
 * The fleet overview's data, refreshed every minute while the page is open: the tenant's summary
 * and one page each of its breached and at-risk devices. The summary comes with the breached page
 * (the report's counts are the whole tenant's whatever the filter), so a refresh is two requests.
 */
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { usePolling, type PollingState } from '../../hooks/usePolling';
import type { ComplianceReport, ComplianceRow } from './fleetTypes';

export const refreshEveryMs = 60_000;
/** How many devices each "needs attention" list shows; the Devices page has the rest. */
export const attentionPageSize = 10;

export interface FleetOverview {
  report: ComplianceReport;
  breached: { rows: ComplianceRow[]; more: boolean };
  atRisk: { rows: ComplianceRow[]; more: boolean };
  updatedAt: Date;
}

/** `generation`: a change loads again now (the Refresh button). */
export function useFleetOverview(generation: number): PollingState<FleetOverview> {
  const { api, session } = useSession();
  const tenantId = session.tenantId;
  const page = (status: 'breached' | 'at-risk', signal: AbortSignal) =>
    ok(
      api.GET('/api/tenants/{tenantId}/compliance', {
        params: { path: { tenantId }, query: { status, pageSize: attentionPageSize } },
        signal,
      }),
    );
  return usePolling<FleetOverview>(
    async (signal) => {
      const [breached, atRisk] = await Promise.all([page('breached', signal), page('at-risk', signal)]);
      return {
        data: {
          report: breached,
          breached: { rows: breached.devices, more: Boolean(breached.continuationToken) },
          atRisk: { rows: atRisk.devices, more: Boolean(atRisk.continuationToken) },
          updatedAt: new Date(),
        },
        retryAfterMs: refreshEveryMs,
      };
    },
    // An overview is never done: it keeps refreshing while open.
    () => false,
    [api, tenantId, generation],
  );
}
