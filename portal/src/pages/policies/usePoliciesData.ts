/**
 * What the policies page shows: the tenant's policies, its allowed backup regions (the choices of
 * a policy's backup region) and how many devices each policy has (the compliance summary's
 * per-policy totals, read with a one-row page: counting devices never pages through them).
 */
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { useLoad, type Loaded } from '../../hooks/useLoad';
import type { Policy } from '../../logic/policyForm';

export interface PoliciesData {
  policies: Policy[];
  allowedBackupRegions: string[];
  devicesByPolicy: ReadonlyMap<string, number>;
}

export function usePoliciesData(): Loaded<PoliciesData> {
  const { api, session } = useSession();
  const path = { tenantId: session.tenantId };
  return useLoad(
    async (signal) => {
      const [policies, tenant, compliance] = await Promise.all([
        ok(api.GET('/api/tenants/{tenantId}/policies', { params: { path }, signal })),
        ok(api.GET('/api/tenants/{tenantId}', { params: { path }, signal })),
        ok(
          api.GET('/api/tenants/{tenantId}/compliance', {
            params: { path, query: { pageSize: 1 } },
            signal,
          }),
        ),
      ]);
      return {
        policies: policies.items,
        allowedBackupRegions: tenant.allowedBackupRegions,
        devicesByPolicy: new Map(compliance.byPolicy.map((p) => [p.policyId, p.total])),
      };
    },
    [api, session.tenantId],
  );
}
