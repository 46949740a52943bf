/**
 * The HTTP contract applied to every route: limit unauthenticated requests per client address,
 * authenticate, limit the rate of mutations, check tenant and role, validate input, run the
 * handler, and turn every failure into problem+json. Handlers see only typed input. Every mutating
 * request of an authenticated caller leaves one audit record in the caller's own tenant's trail;
 * what is refused before authentication or aimed at another tenant goes to the security log.
 *
 * Every request answers within its bound (`Budgets.httpRequestInMs`): the handler runs under a
 * deadline that aborts the dependency calls it makes (not merely the wait for them, so nothing it
 * started is applied after the answer), and its audit record gets what is left of the bound.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  RuleViolationError,
  UnavailableError,
  ensureErrorType,
} from '../domain/errors';
import {
  outcomeOfStatus,
  platformAuditPartition,
  type AuditActor,
  type NewAuditRecord,
} from '../domain/audit';
import type { SecurityEvent } from '../app/SecurityLog';
import { defaultBudgets, type Budgets } from '../adapters/deadlines/budgets';
import { withDeadline } from '../adapters/deadlines/deadlineScope';
import { PlatformRole, satisfiesRole } from '../domain/roles';
import type { AuthConfig } from '../config';
import { isPlatformAdmin } from './auth/isPlatformAdmin';
import type { Principal } from './auth/principal';
import type { TokenVerifier } from './auth/tokenVerifier';
import { clientAddressOf } from './clientAddress';
import { parseRequest } from './parseRequest';
import { forbidden, notFound, problem, problemContentType, unauthorized, type Problem } from './problem';
import type { RateLimiter } from './rateLimiter';
import { routeParamNames, type HttpRouteSpec } from './routeSpec';
import { guid } from './schemas/common';

const correlationHeader = 'x-correlation-id';
/** An audit record keeps this much of a target: validated ids keep it short; this bounds it anyway. */
const maxTargetLength = 1024;

export interface HttpDependencies {
  tokenVerifier: TokenVerifier;
  audit: { record(record: NewAuditRecord): Promise<void> };
  securityLog: { refused(event: SecurityEvent): void };
  mutationLimiter: RateLimiter;
  /** Requests per client address not served to an authenticated caller (HttpLimits.unauthenticatedRequests). */
  addressLimiter: RateLimiter;
  config: { auth: AuthConfig; frontDoorId?: string | undefined };
  /** The request's bound and its audit's share of it; the defaults unless the services set them. */
  budgets?: Budgets;
}

/** What the pipeline learnt of the caller, for the audit once the response is known. */
interface Caller {
  address: string;
  principal?: Principal;
  /** Refused before a token was verified: by the address limit, a missing or bad token, or an unreachable issuer. */
  refusedUnauthenticated?: boolean;
  /** What the handler said its change came to (a bulk change's counts), for the audit record. */
  auditDetail?: string;
}

export function createHttpHandler<P, Q, B>(
  spec: HttpRouteSpec<P, Q, B>,
  dependencies: () => HttpDependencies,
): HttpHandler {
  const platformRoute = spec.auth !== 'anonymous' && spec.auth.role === PlatformRole;
  const tenantScoped = !platformRoute && routeParamNames(spec.route).includes('tenantId');
  const mutating = spec.method !== 'GET';

  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const startedAt = Date.now();
    const budgets = dependencies().budgets ?? defaultBudgets;
    const correlationId = correlationIdOf(request, context);
    const caller: Caller = {
      address: clientAddressOf(request.headers, dependencies().config.frontDoorId),
    };
    let response: HttpResponseInit;
    try {
      response = await withDeadline('request', budgets.httpRequestInMs - budgets.auditReserveInMs, () =>
        run(request, context, correlationId, caller),
      );
    } catch (err) {
      response = errorResponse(err, context, correlationId);
    }
    // The record of what was answered gets the rest of the bound: a table that does not answer
    // costs the request at most that, and the record then goes to the log (audit.write-failed).
    await audit(request, response, correlationId, caller, startedAt + budgets.httpRequestInMs);
    return withCorrelation(response, correlationId);
  };

  async function run(
    request: HttpRequest,
    context: InvocationContext,
    correlationId: string,
    caller: Caller,
  ): Promise<HttpResponseInit> {
    // Every request spends from its address's bucket before anything is done for it, and a request
    // whose token proves valid gives it back: so a flood without a valid token (none, a bad one,
    // an anonymous route) is refused before any token is verified or any record written, and what
    // authenticated callers send through one address (a company's NAT) never counts against it.
    // Taking first and refunding, rather than spending after failing, holds under concurrency too.
    const addressDecision = dependencies().addressLimiter.take(caller.address);
    if (!addressDecision.allowed) {
      caller.refusedUnauthenticated = true;
      return problem(
        429,
        'too-many-requests',
        `Too many requests without a valid token from this address; try again in ${addressDecision.retryAfterSeconds} s`,
        { headers: { 'retry-after': String(addressDecision.retryAfterSeconds) } },
      );
    }
    let principal;
    const auth = spec.auth;
    if (auth !== 'anonymous') {
      const verified = await dependencies().tokenVerifier.verify(request.headers.get('authorization'));
      if ('unavailable' in verified) {
        caller.refusedUnauthenticated = true;
        return problem(503, 'auth-unavailable', verified.unavailable, { headers: { 'retry-after': '30' } });
      }
      if ('rejected' in verified) {
        caller.refusedUnauthenticated = true;
        return unauthorized(verified.rejected, verified.tokenPresent);
      }
      principal = caller.principal = verified.principal;
      dependencies().addressLimiter.refund(caller.address);
      if (mutating) {
        const decision = dependencies().mutationLimiter.take(`${principal.tenantId}:${principal.objectId}`);
        if (!decision.allowed) {
          return problem(
            429,
            'too-many-requests',
            `Too many changes from this caller; try again in ${decision.retryAfterSeconds} s`,
            { headers: { 'retry-after': String(decision.retryAfterSeconds) } },
          );
        }
      }
      if (auth.role === PlatformRole) {
        if (!isPlatformAdmin(principal, dependencies().config.auth))
          return forbidden(
            `This operation requires the ${PlatformRole} role of the deployment's home tenant`,
          );
        return await handle(request, context, correlationId, principal, caller);
      }
      // Another tenant's resources answer exactly as missing ones do, so their existence never leaks.
      if (tenantScoped && request.params['tenantId']?.toLowerCase() !== principal.tenantId.toLowerCase()) {
        return notFound('The resource was not found');
      }
      const selfParam = auth.orSelf;
      const isSelf =
        selfParam !== undefined &&
        principal.upn !== undefined &&
        principal.upn.toLowerCase() === request.params[selfParam]?.toLowerCase();
      if (!isSelf && !satisfiesRole(principal.roles, auth.role)) {
        return forbidden(`This operation requires the ${auth.role} role`);
      }
    }
    return await handle(request, context, correlationId, principal, caller);
  }

  async function handle(
    request: HttpRequest,
    context: InvocationContext,
    correlationId: string,
    principal: Principal | undefined,
    caller: Caller,
  ): Promise<HttpResponseInit> {
    const parsed = await parseRequest(request, spec);
    if ('response' in parsed) return parsed.response;
    return await spec.handler({
      ...parsed.value,
      principal,
      headers: request.headers,
      correlationId,
      context,
      auditDetail: (detail) => {
        caller.auditDetail = detail;
      },
    });
  }

  /**
   * Where a request is recorded. Nothing goes into a tenant's trail that the tenant's own
   * principals did not do, so no caller can write into another tenant's trail:
   * - refused before authentication (429 by address, 401, 503): the security log only, whatever the
   *   method: there is no tenant to tell, and the path's tenant is the caller's choice;
   * - a principal against another tenant's path: the security log, and, when it is a change, the
   *   caller's own trail as refused, so a tenant sees what its principals were refused elsewhere;
   * - a platform route: a platform admin's change in the platform trail; anyone else is refused
   *   as on another tenant's path;
   * - otherwise a change in the caller's own tenant's trail, as refused or done. Reads are not recorded.
   */
  async function audit(
    request: HttpRequest,
    response: HttpResponseInit,
    correlationId: string,
    caller: Caller,
    answerBy: number,
  ): Promise<void> {
    const status = response.status ?? 200;
    const code = (response.jsonBody as Partial<Problem> | undefined)?.code;
    // A refusal's detail is its problem code; a success's, what its handler said it came to.
    const detail = status >= 400 ? code : caller.auditDetail;
    const target = targetOf(request);
    const { principal } = caller;
    const toSecurityLog = (actor: AuditActor) =>
      dependencies().securityLog.refused({
        action: spec.name,
        target,
        status,
        ...(code ? { detail: code } : {}),
        source: caller.address,
        actor,
        correlationId,
      });
    if (!principal) {
      if (caller.refusedUnauthenticated) toSecurityLog({ kind: 'anonymous' });
      return;
    }
    const admin = platformRoute && isPlatformAdmin(principal, dependencies().config.auth);
    const foreign =
      (platformRoute && !admin) ||
      (tenantScoped && request.params['tenantId']?.toLowerCase() !== principal.tenantId.toLowerCase());
    if (foreign) toSecurityLog(actorOf(principal, { withTenant: true }));
    if (!mutating) return;
    // A token's `tid` is a GUID in Entra; anything else (never `platform`) has no trail to write to.
    const trail = admin ? platformAuditPartition : ownTrailOf(principal);
    if (!trail) return;
    // Only the write runs under the request's deadline: the security log above may start its
    // flush timer, which must not inherit a deadline that has passed by the time it fires.
    await withDeadline('request', answerBy - Date.now(), () =>
      dependencies().audit.record({
        tenantId: trail,
        actor: actorOf(principal),
        action: spec.name,
        target,
        outcome: outcomeOfStatus(status),
        status,
        ...(detail ? { detail } : {}),
        correlationId,
      }),
    );
  }

  /**
   * The route template with each path parameter that passed its schema in place (as the schema
   * gives it back, e.g. a GUID in lower case); one that did not stays `{name}`, so no text of the
   * caller's own choosing reaches a record.
   */
  function targetOf(request: HttpRequest): string {
    const valid = validParams(request.params);
    return spec.route
      .replace(/\{([A-Za-z0-9_]+)[^}]*\}/g, (placeholder, name: string) => valid[name] ?? placeholder)
      .slice(0, maxTargetLength);
  }

  function validParams(params: Record<string, string>): Record<string, string> {
    const schema = spec.params;
    if (!schema) return {};
    const strings = (value: unknown): Record<string, string> =>
      Object.fromEntries(
        Object.entries(value as Record<string, unknown>).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
    const whole = schema.safeParse(params);
    if (whole.success) return typeof whole.data === 'object' && whole.data ? strings(whole.data) : {};
    // One bad parameter leaves the others valid: each is checked against its own field's schema.
    const shape = (schema as { shape?: Record<string, z.ZodType> }).shape;
    if (!shape) return {};
    const valid: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) {
      const field = shape[name]?.safeParse(value);
      if (field?.success && typeof field.data === 'string') valid[name] = field.data;
    }
    return valid;
  }
}

function ownTrailOf(principal: Principal): string | undefined {
  return guid.safeParse(principal.tenantId).success ? principal.tenantId.toLowerCase() : undefined;
}

/** The caller as a record names it; outside its own tenant's trail, with its tenant. */
function actorOf(principal: Principal, options: { withTenant?: boolean } = {}): AuditActor {
  const tenant = options.withTenant ? { tenantId: principal.tenantId.toLowerCase() } : {};
  return principal.upn
    ? { kind: 'user', objectId: principal.objectId, upn: principal.upn, ...tenant }
    : { kind: 'application', objectId: principal.objectId, ...tenant };
}

function errorResponse(err: unknown, context: InvocationContext, correlationId: string): HttpResponseInit {
  if (err instanceof NotFoundError) return notFound(err.message);
  if (err instanceof RuleViolationError)
    return problem(400, err.code, err.message, { errors: [{ field: err.field, reason: err.message }] });
  if (err instanceof UnavailableError)
    return problem(503, err.code, err.message, {
      headers: { 'retry-after': String(err.retryAfterSeconds ?? 30) },
      ...(err.dependency ? { dependency: err.dependency } : {}),
    });
  if (err instanceof ConflictError)
    return problem(err.code === 'precondition-failed' ? 412 : 409, err.code, err.message);
  if (err instanceof DomainError) return problem(400, err.code, err.message);
  const error = ensureErrorType(err);
  context.error(`Unhandled error (correlation id ${correlationId}): ${error.stack ?? error.message}`);
  return problem(
    500,
    'internal-error',
    `An unexpected error occurred. Quote correlation id ${correlationId} when reporting it.`,
  );
}

/** Callers may pass their own correlation id; anything odd is replaced so it cannot inject into logs. */
function correlationIdOf(request: HttpRequest, context: InvocationContext): string {
  const supplied = request.headers.get(correlationHeader);
  if (supplied && /^[A-Za-z0-9._:-]{1,128}$/.test(supplied)) return supplied;
  return context.invocationId && context.invocationId !== 'unknown' ? context.invocationId : randomUUID();
}

function withCorrelation(response: HttpResponseInit, correlationId: string): HttpResponseInit {
  const headers = new Headers(response.headers);
  headers.set(correlationHeader, correlationId);
  const result: HttpResponseInit = { ...response, headers: Object.fromEntries(headers) };
  if (headers.get('content-type')?.startsWith(problemContentType) && response.jsonBody) {
    result.jsonBody = { ...(response.jsonBody as Problem), correlationId };
  }
  return result;
}
