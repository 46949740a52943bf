/**
 * Microsoft.DesktopVirtualization as the double serves it: host pools (GET, PATCH renewing the
 * registration token, POST retrieveRegistrationToken), their session hosts (paged list, GET,
 * PATCH of assignedUser, DELETE) and application groups (GET). Rules avd.* (avdRules.ts).
 */
import { randomBytes } from 'node:crypto';
import { refuse, type ArmError } from './armError';
import {
  applicationGroupJson,
  hostPoolJson,
  registrationInfoJson,
  sessionHostJson,
} from './avdRepresentations';
import type { AvdStore, HostPoolRecord, SessionHostRecord } from './avdStore';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';
import { idKey } from './resourceIds';
import { liveVm } from './vmFacts';
import type { RuleId } from './rules';

const HOUR = 3_600_000;
/** rule avd.token.expiryRange (a minute's clock skew between caller and service allowed). */
const TOKEN_MIN_MS = HOUR - 60_000;
const TOKEN_MAX_MS = 27 * 24 * HOUR;

export class AvdHandler {
  constructor(
    private readonly ctx: ArmContext,
    private readonly avd: AvdStore,
    private readonly defaultPageSize: number,
  ) {}

  getHostPool(poolId: string): HandlerResult {
    const pool = this.pool(poolId);
    return { status: 200, body: this.poolJson(pool) };
  }

  /** PATCH: `registrationInfo.registrationTokenOperation` Update / Delete / None, and the assignment type. */
  updateHostPool(poolId: string, body: Record<string, unknown>): HandlerResult {
    const pool = this.pool(poolId);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const assignment = props.personalDesktopAssignmentType;
    if (assignment === 'Automatic' || assignment === 'Direct')
      pool.personalDesktopAssignmentType = assignment;
    const info = props.registrationInfo as
      { expirationTime?: unknown; registrationTokenOperation?: unknown } | undefined;
    const operation = info?.registrationTokenOperation;
    const now = this.ctx.clock.now();
    if (operation === 'Update') {
      const expiresAt = typeof info?.expirationTime === 'string' ? Date.parse(info.expirationTime) : NaN;
      if (!(expiresAt - now >= TOKEN_MIN_MS && expiresAt - now <= TOKEN_MAX_MS))
        throw this.refusal(
          'avd.token.expiryRange',
          `registrationInfo.expirationTime must be between 1 hour and 27 days from now; got '${String(info?.expirationTime)}'.`,
        );
      this.issueToken(pool, now, expiresAt);
    } else if (operation === 'Delete') {
      const current = this.avd.currentToken(pool);
      if (current) current.revokedAt = now;
      pool.lastTokenOperation = 'Delete';
    } else if (operation !== undefined && operation !== 'None') {
      throw refuse('arm.badRequest', `Unknown registrationTokenOperation ${JSON.stringify(operation)}.`);
    }
    return { status: 200, body: this.poolJson(pool) };
  }

  /** rule avd.token.replace: the new token is the pool's only working one. */
  issueToken(pool: HostPoolRecord, now: number, expiresAt: number): string {
    const current = this.avd.currentToken(pool);
    if (current) current.revokedAt = now;
    const value = `eyJhdmQiOiJkb3VibGUifQ.${randomBytes(24).toString('base64url')}`;
    pool.tokens.push({ value, issuedAt: now, expiresAt, revokedAt: undefined });
    pool.lastTokenOperation = 'Update';
    this.avd.stats.registrationTokensIssued += 1;
    return value;
  }

  retrieveRegistrationToken(poolId: string): HandlerResult {
    const pool = this.pool(poolId);
    this.avd.stats.registrationTokenRetrievals += 1;
    return { status: 200, body: registrationInfoJson(pool, this.avd) };
  }

  /** rule avd.sessionHosts.paging: pageSize (default 100) and initialSkip, with a nextLink. */
  listSessionHosts(poolId: string, query: URLSearchParams, path: string): HandlerResult {
    const pool = this.pool(poolId);
    const pageSize = Math.max(1, Math.min(1000, Number(query.get('pageSize') ?? this.defaultPageSize) || 1));
    const skip = Math.max(0, Number(query.get('initialSkip') ?? 0) || 0);
    const descending = query.get('isDescending') === 'true';
    if (skip === 0) this.avd.stats.sessionHostListRequests += 1;
    this.avd.stats.sessionHostListPages += 1;
    const now = this.ctx.clock.now();
    const all = [...this.avd.hostsOf(pool.id).values()];
    if (descending) all.reverse();
    const value = all.slice(skip, skip + pageSize).map((h) => sessionHostJson(pool, this.fresh(h), now));
    const next = new URLSearchParams({
      'api-version': query.get('api-version') ?? '',
      pageSize: String(pageSize),
      initialSkip: String(skip + pageSize),
      ...(descending ? { isDescending: 'true' } : {}),
    });
    const nextLink =
      skip + pageSize < all.length ? `${this.ctx.endpoint()}${path}?${next.toString()}` : undefined;
    return { status: 200, body: { value, ...(nextLink ? { nextLink } : {}) } };
  }

  getSessionHost(poolId: string, name: string): HandlerResult {
    const pool = this.pool(poolId);
    const host = this.host(pool, name);
    return { status: 200, body: sessionHostJson(pool, this.fresh(host), this.ctx.clock.now()) };
  }

  /** PATCH: assignedUser under the personal-assignment rules (avd.assign.*). */
  updateSessionHost(
    poolId: string,
    name: string,
    body: Record<string, unknown>,
    force: boolean,
  ): HandlerResult {
    const pool = this.pool(poolId);
    const host = this.host(pool, name);
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const user = props.assignedUser;
    if (user !== undefined && user !== null) {
      if (typeof user !== 'string') throw refuse('arm.badRequest', 'assignedUser must be a string.');
      this.assign(pool, host, user, force);
    }
    host.updatedAt = this.ctx.clock.now();
    this.avd.stats.sessionHostUpdates += 1;
    return { status: 200, body: sessionHostJson(pool, this.fresh(host), this.ctx.clock.now()) };
  }

  deleteSessionHost(poolId: string, name: string, force: boolean): HandlerResult {
    const pool = this.pool(poolId);
    const hosts = this.avd.hostsOf(pool.id);
    const host = hosts.get(name.toLowerCase());
    if (!host) return { status: 204 }; // rule avd.sessionHost.deleteMissing
    if (host.sessions > 0 && !force)
      throw this.refusal(
        'avd.sessionHost.deleteWithSessions',
        `Session host '${host.name}' has ${host.sessions} user session(s); delete it with force=true.`,
      );
    hosts.delete(name.toLowerCase());
    this.avd.stats.sessionHostDeletes += 1;
    return { status: 200 };
  }

  getApplicationGroup(groupId: string): HandlerResult {
    const group = this.avd.applicationGroups.get(idKey(groupId));
    if (!group) throw this.notFound('applicationGroups', groupId);
    return { status: 200, body: applicationGroupJson(group) };
  }

  private assign(pool: HostPoolRecord, host: SessionHostRecord, user: string, force: boolean): void {
    if (pool.hostPoolType !== 'Personal')
      throw this.refusal(
        'avd.assign.pooled',
        `Host pool '${pool.name}' is pooled: its session hosts take no assigned user.`,
      );
    const current = host.assignedUser;
    if (current !== undefined && current.toLowerCase() === user.toLowerCase()) return; // rule avd.assign.sameUser
    if (user === '' && current === undefined) return; // nothing to unassign
    if (current !== undefined) {
      if (!force)
        throw this.refusal(
          user === '' ? 'avd.assign.unassignNeedsForce' : 'avd.assign.reassignNeedsForce',
          `Session host '${host.name}' is assigned to '${current}'; ${user === '' ? 'unassigning' : 'reassigning'} it needs force=true.`,
        );
      if (host.sessions > 0)
        throw this.refusal(
          'avd.assign.noSessions',
          `Session host '${host.name}' has ${host.sessions} user session(s); its assignment cannot change.`,
        );
    }
    if (user === '') {
      host.assignedUser = undefined;
      return;
    }
    const other = [...this.avd.hostsOf(pool.id).values()].find(
      (h) => h !== host && h.assignedUser?.toLowerCase() === user.toLowerCase(),
    );
    if (other)
      throw this.refusal(
        'avd.assign.oneDesktopPerUser',
        `User '${user}' is already assigned to session host '${other.name}' of host pool '${pool.name}'.`,
      );
    host.assignedUser = user;
  }

  /** rule avd.sessionHost.unavailable: a registered host whose VM is gone stops heartbeating. */
  private fresh(host: SessionHostRecord): SessionHostRecord {
    if (host.registered && host.vmId && host.status === 'Available' && !liveVm(this.ctx.store, host.vmId)) {
      host.status = 'Unavailable';
      host.updatedAt = this.ctx.clock.now();
    }
    return host;
  }

  private poolJson(pool: HostPoolRecord): unknown {
    const groups = [...this.avd.applicationGroups.values()].filter(
      (g) => idKey(g.hostPoolId) === idKey(pool.id),
    );
    return hostPoolJson(pool, this.avd, groups);
  }

  private pool(poolId: string): HostPoolRecord {
    const pool = this.avd.pool(poolId);
    if (!pool) throw this.notFound('hostPools', poolId);
    return pool;
  }

  private host(pool: HostPoolRecord, name: string): SessionHostRecord {
    const host = this.avd.hostsOf(pool.id).get(name.toLowerCase());
    if (!host) throw this.notFound('hostPools/sessionHosts', `${pool.id}/sessionHosts/${name}`);
    return host;
  }

  private refusal(rule: RuleId, message: string): ArmError {
    this.ctx.stats.refusal(rule);
    return refuse(rule, message);
  }

  private notFound(type: string, id: string): ArmError {
    const name = id.split('/').pop() ?? id;
    const group = /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '?';
    return this.refusal(
      'arm.notFound',
      `The Resource 'Microsoft.DesktopVirtualization/${type}/${name}' under resource group '${group}' was not found.`,
    );
  }
}
