/** An audit record's actor and target as the audit table shows them. */

export interface AuditActorFields {
  kind: 'user' | 'application' | 'anonymous' | 'system';
  objectId?: string;
  upn?: string;
  region?: string;
}

export function actorText(actor: AuditActorFields): string {
  if (actor.kind === 'user') return actor.upn ?? actor.objectId ?? 'a user';
  if (actor.kind === 'application') return `application ${actor.objectId ?? ''}`.trim();
  if (actor.kind === 'system') return `the control plane${actor.region ? ` (${actor.region})` : ''}`;
  return 'anonymous';
}

/**
 * The target without the `tenants/{tenantId}/` every record of the trail starts with (the page is
 * the tenant's already): `policies/standard` is what tells two records apart.
 */
export function targetText(target: string, tenantId: string): string {
  const own = `tenants/${tenantId.toLowerCase()}`;
  if (target.toLowerCase() === own) return 'the tenant';
  return target.toLowerCase().startsWith(`${own}/`) ? target.slice(own.length + 1) : target;
}
