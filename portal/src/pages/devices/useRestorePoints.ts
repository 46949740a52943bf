/**
 * A device's restore points: read once, and after a manual point is requested read again every
 * few seconds until that point is verified (logic/pointWatch says when to stop).
 */
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { usePolling, type PollingState } from '../../hooks/usePolling';
import { watchDone, type WatchedPoint } from '../../logic/pointWatch';
import type { RestorePoint } from './deviceTypes';

export const watchEveryMs = 3_000;

export function useRestorePoints(
  deviceId: string,
  watched: WatchedPoint | undefined,
  generation: number,
): PollingState<{ items: RestorePoint[] }> {
  const { api, session } = useSession();
  return usePolling(
    async (signal) => ({
      data: await ok(
        api.GET('/api/tenants/{tenantId}/devices/{deviceId}/restore-points', {
          params: { path: { tenantId: session.tenantId, deviceId } },
          signal,
        }),
      ),
      retryAfterMs: watchEveryMs,
    }),
    (data) => watchDone(data.items, watched, Date.now()),
    [api, session.tenantId, deviceId, watched?.name, generation],
  );
}
