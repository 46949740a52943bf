/**
 * The audit trail: one append-only record per mutating request and per disaster-recovery event,
 * kept as evidence of who did what to a tenant's fleet, when, and how it ended.
 */

/**
 * Who acted: a signed-in user, an application (a token without a UPN), nobody known, or the control
 * plane itself. `tenantId` (the token's) is set where it is not the trail's own: in the security log.
 */
export type AuditActor =
  | { kind: 'user'; objectId: string; upn: string; tenantId?: string }
  | { kind: 'application'; objectId: string; tenantId?: string }
  | { kind: 'anonymous' }
  | { kind: 'system'; region: string };

/**
 * The deployment's own trail, beside the tenants' in the same table: what platform admins did, and
 * the security log (requests refused before authentication or aimed at another tenant). Tenant ids
 * are GUIDs, so no tenant's trail can ever be this one.
 */
export const platformAuditPartition = 'platform';

/** Done; refused (bad input, no permission, a rule or a limit: nothing changed); or failed on our side. */
export type AuditOutcome = 'succeeded' | 'refused' | 'failed';

export const auditOutcomes: readonly AuditOutcome[] = ['succeeded', 'refused', 'failed'];

export interface NewAuditRecord {
  /** The trail it belongs to: a tenant's id, or `platformAuditPartition`. */
  tenantId: string;
  actor: AuditActor;
  /** A route's operation (`putDevice`) or an event (`recovery.recovered`). */
  action: string;
  /**
   * What it acted on: a route template with its validated ids (`tenants/t/devices/d`; a value that
   * failed its schema stays `{deviceId}`), never the caller's raw path; or an event's subject.
   */
  target: string;
  outcome: AuditOutcome;
  /** The HTTP status of a request. */
  status?: number;
  /** The problem code of a refusal or failure, or the event's facts (`wave 2`). */
  detail?: string;
  /** The request's correlation id; of an aggregated security record, its first request's. */
  correlationId?: string;
  /** Security log: the client address (an IPv6 one by its /64) the requests came from. */
  source?: string;
  /** Security log: how many requests this record stands for. */
  count?: number;
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
