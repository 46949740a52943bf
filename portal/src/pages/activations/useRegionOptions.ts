/**
 * The tenant's primary regions, for the region pickers: the compliance summary's byPrimaryRegion
 * (counted by the API, so this is one small request whatever the fleet's size; pageSize=1 keeps
 * the device rows that come with it to one).
 */
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { useLoad } from '../../hooks/useLoad';

export interface RegionOption {
  name: string;
  devices: number;
  protectedDevices: number;
}

export function useRegionOptions(): { regions?: RegionOption[]; error?: Error } {
  const { api, session } = useSession();
  const tenantId = session.tenantId;
  const loaded = useLoad(
    async (signal) => {
      const report = await ok(
        api.GET('/api/tenants/{tenantId}/compliance', {
          params: { path: { tenantId }, query: { pageSize: 1 } },
          signal,
        }),
      );
      return report.byPrimaryRegion.map((r): RegionOption => ({
        name: r.primaryRegion,
        devices: r.total,
        protectedDevices: r.counts.protected,
      }));
    },
    [tenantId],
  );
  return {
    ...(loaded.data ? { regions: loaded.data } : {}),
    ...(loaded.error ? { error: loaded.error } : {}),
  };
}
