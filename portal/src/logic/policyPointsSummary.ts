/** The answer to "take restore points now" for a policy, in the admin's words. */
import type { paths } from '../api/schema';

export type PolicyPointsAnswer =
  paths['/api/tenants/{tenantId}/policies/{policyId}/restore-points']['post']['responses'][202]['content']['application/json'];

const reasonWords: Record<string, string> = {
  'disk-not-in-scopes': "disk outside the tenant's disk scopes",
  'device-unlicensed': 'device not licensed',
  'policy-disabled': 'policy disabled',
};

export function reasonText(reason: string): string {
  return reasonWords[reason] ?? reason;
}

/** "3 devices queued" or "3 devices queued; 2 skipped (device not licensed: 1, disk outside …: 1)". */
export function policyPointsSummary(answer: PolicyPointsAnswer): string {
  const devices = (n: number) => `${n} device${n === 1 ? '' : 's'}`;
  const queued = `${devices(answer.queued)} queued`;
  if (answer.skipped === 0) return queued;
  const reasons = Object.entries(answer.skippedByReason)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reasonText(reason)}: ${count}`);
  return `${queued}; ${answer.skipped} skipped${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`;
}
