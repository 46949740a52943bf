/**
 * The audit trail: one append-only record per mutating request and per disaster-recovery event,
 * kept as evidence of who did what to a tenant's fleet, when, and how it ended.
 */

/** Who acted: a signed-in user, an application (a token without a UPN), nobody known, or the control plane itself. */
export type AuditActor =
  | { kind: 'user'; objectId: string; upn: string }
  | { kind: 'application'; objectId: string }
  | { kind: 'anonymous' }
  | { kind: 'system'; region: string };

/** Done; refused (bad input, no permission, a rule or a limit: nothing changed); or failed on our side. */
export type AuditOutcome = 'succeeded' | 'refused' | 'failed';

export const auditOutcomes: readonly AuditOutcome[] = ['succeeded', 'refused', 'failed'];

export interface NewAuditRecord {
  tenantId: string;
  actor: AuditActor;
  /** A route's operation (`putDevice`) or an event (`recovery.recovered`). */
  action: string;
  /** What it acted on, as an API path without `/api/` or an event's subject: `tenants/t/devices/d`. */
  target: string;
  outcome: AuditOutcome;
  /** The HTTP status of a request. */
  status?: number;
  /** The problem code of a refusal or failure, or the event's facts (`wave 2`). */
  detail?: string;
  correlationId?: string;
}

export interface AuditRecord extends NewAuditRecord {
  /** Unique, and orders records newest first within a region. */
  id: string;
  /** When it was written (ISO 8601, milliseconds). */
  at: string;
  /** The control-plane region that wrote it. */
  region: string;
}

export interface AuditFilter {
  /** Records at or after this time. */
  from?: Date;
  /** Records before this time. */
  to?: Date;
  action?: string;
}

/** The outcome of a request, by its HTTP status. */
export function outcomeOfStatus(status: number): AuditOutcome {
  if (status >= 500) return 'failed';
  if (status >= 400) return 'refused';
  return 'succeeded';
}
