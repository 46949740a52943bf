/**
 * The choices of the device list's filters: the tenant's policies and primary regions, from the
 * compliance summary (one small request: its per-policy and per-region counts name them all).
 */
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { useLoad } from '../../hooks/useLoad';

export interface FilterOptions {
  policies: { id: string; rpoHours: number }[];
  regions: string[];
}

export function useFilterOptions(): FilterOptions | undefined {
  const { api, session } = useSession();
  const { data } = useLoad(
    async (signal) => {
      const report = await ok(
        api.GET('/api/tenants/{tenantId}/compliance', {
          params: { path: { tenantId: session.tenantId }, query: { pageSize: 1 } },
          signal,
        }),
      );
      return {
        policies: report.byPolicy.map((p) => ({ id: p.policyId, rpoHours: p.rpoHours })),
        regions: report.byPrimaryRegion.map((r) => r.primaryRegion),
      };
    },
    [api, session.tenantId],
  );
  return data;
}
