/**
 * A policy as the policy dialog edits it, and the PUT body made from it. The dialog edits the
 * settings an admin changes in the portal (name, backup region, RPO, enabled); a PUT replaces the
 * whole policy, so an edit carries over what the dialog does not show (retention, content check,
 * recovery settings) instead of resetting them to their defaults.
 */
import type { FieldProblem } from '../api/ApiError';
import type { paths } from '../api/schema';

export type Policy =
  paths['/api/tenants/{tenantId}/policies']['get']['responses'][200]['content']['application/json']['items'][number];
export type PolicyBody = NonNullable<
  paths['/api/tenants/{tenantId}/policies/{policyId}']['put']['requestBody']
>['content']['application/json'];

/**
 * The RPOs a policy may choose, in hours (src/domain/rpo.ts `rpoHoursValues`; the API document
 * states them only in words, so portal/test/policyForm.test.ts holds the two lists equal).
 */
export const rpoHoursChoices = [1, 2, 4, 6, 12, 16, 24] as const;

export interface PolicyForm {
  id: string;
  name: string;
  backupRegion: string;
  /** As the dropdown holds it: the hours in digits. */
  rpoHours: string;
  enabled: boolean;
}

/** As the API's `policyId` (src/http/schemas/protectionSchemas.ts). */
const policyIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A new policy: the tenant's first allowed backup region and a 4-hour RPO, as in the README. */
export function newPolicyForm(allowedBackupRegions: readonly string[]): PolicyForm {
  return { id: '', name: '', backupRegion: allowedBackupRegions[0] ?? '', rpoHours: '4', enabled: true };
}

export function policyFormOf(policy: Policy): PolicyForm {
  return {
    id: policy.id,
    name: policy.name,
    backupRegion: policy.backupRegion,
    rpoHours: String(policy.rpoHours),
    enabled: policy.enabled,
  };
}

/**
 * The PUT body, or what must be fixed first. Only what the URL needs is checked here (the id is a
 * path segment: empty or unusual, the request would name another resource); the API checks the
 * rest and its field errors are shown where the admin typed.
 */
export function policyBodyOf(
  form: PolicyForm,
  existing?: Policy,
): { body: PolicyBody } | { problems: FieldProblem[] } {
  if (!policyIdPattern.test(form.id))
    return {
      problems: [
        { field: 'path.policyId', reason: 'must be 1-64 letters, digits, dots, dashes or underscores' },
      ],
    };
  const body: PolicyBody = {
    name: form.name,
    backupRegion: form.backupRegion,
    rpoHours: Number(form.rpoHours),
    enabled: form.enabled,
  };
  if (existing) {
    body.retention = existing.retention;
    if (existing.contentCheck) body.contentCheck = existing.contentCheck;
    if (existing.recovery) body.recovery = existing.recovery;
  }
  return { body };
}
