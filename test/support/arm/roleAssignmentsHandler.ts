/**
 * Microsoft.Authorization role assignments, list at a scope (`roleAssignments.listForScope`):
 * `$filter=principalId eq '{id}'` gives that principal's assignments at, above or below the scope,
 * `atScope()` all at or above it (rule authz.listForScope.filter). Seeded only.
 */
import { randomUUID } from 'node:crypto';
import { refuse } from './armError';
import { roleAssignmentJson } from './avdRepresentations';
import type { AvdStore, RoleAssignmentRecord } from './avdStore';
import type { SeedRoleAssignment } from './avdTypes';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';

/** A scope without its trailing slash, lower-cased, with a leading slash. */
function scopeKey(scope: string): string {
  return `/${scope.replace(/^\/+|\/+$/g, '')}`.toLowerCase();
}

/** Whether `outer` is `inner` or one of its ancestors ("/" is everything's). */
function contains(outer: string, inner: string): boolean {
  const o = scopeKey(outer);
  const i = scopeKey(inner);
  return o === '/' || i === o || i.startsWith(`${o}/`);
}

export class RoleAssignmentsHandler {
  constructor(
    private readonly ctx: ArmContext,
    private readonly avd: AvdStore,
  ) {}

  seed(seed: SeedRoleAssignment): string {
    const guid = /([0-9a-f-]{36})$/i.exec(seed.roleDefinitionId)?.[1];
    if (!guid) throw new RangeError(`roleDefinitionId must end with a GUID, got ${seed.roleDefinitionId}`);
    const subscription = /^\/?subscriptions\/([^/]+)/i.exec(seed.scope)?.[1];
    const scope = `/${seed.scope.replace(/^\/+|\/+$/g, '')}`;
    const name = randomUUID();
    const record: RoleAssignmentRecord = {
      id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      scope,
      principalId: seed.principalId,
      roleDefinitionId: `${subscription ? `/subscriptions/${subscription}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      principalType: seed.principalType ?? 'Group',
    };
    this.avd.roleAssignments.push(record);
    return record.id;
  }

  listForScope(scope: string, filter: string | null): HandlerResult {
    this.avd.stats.roleAssignmentListRequests += 1;
    const principal =
      filter === null ? undefined : /^\s*principalId\s+eq\s+'?([^'\s]+)'?\s*$/i.exec(filter)?.[1];
    const atScope = filter !== null && /^\s*atScope\(\)\s*$/i.test(filter);
    if (filter !== null && principal === undefined && !atScope) {
      this.ctx.stats.refusal('authz.listForScope.unsupportedFilter');
      throw refuse('authz.listForScope.unsupportedFilter', `The double does not serve $filter=${filter}.`);
    }
    const value = this.avd.roleAssignments
      .filter((a) => {
        const above = contains(a.scope, scope);
        const below = contains(scope, a.scope);
        if (atScope) return above;
        if (principal !== undefined)
          return a.principalId.toLowerCase() === principal.toLowerCase() && (above || below);
        return above || below;
      })
      .map(roleAssignmentJson);
    return { status: 200, body: { value } };
  }
}
