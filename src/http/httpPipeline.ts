/**
 * The HTTP contract applied to every route: authenticate, limit the rate of mutations, check
 * tenant and role, validate input, run the handler, and turn every failure into problem+json.
 * Handlers see only typed input. Every mutating request, refused or not, leaves one audit record.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  RuleViolationError,
  UnavailableError,
  ensureErrorType,
} from '../domain/errors';
import { outcomeOfStatus, type AuditActor, type NewAuditRecord } from '../domain/audit';
import { satisfiesRole } from '../domain/roles';
import type { Principal } from './auth/principal';
import type { TokenVerifier } from './auth/tokenVerifier';
import { parseRequest } from './parseRequest';
import { forbidden, notFound, problem, problemContentType, unauthorized, type Problem } from './problem';
import type { RateLimiter } from './rateLimiter';
import { routeParamNames, type HttpRouteSpec } from './routeSpec';
import { guid } from './schemas/common';

const correlationHeader = 'x-correlation-id';
/** An audit record keeps this much of a path: enough for any real one, bounded for a hostile one. */
const maxTargetLength = 1024;

export interface HttpDependencies {
  tokenVerifier: TokenVerifier;
  audit: { record(record: NewAuditRecord): Promise<void> };
  mutationLimiter: RateLimiter;
}

export function createHttpHandler<P, Q, B>(
  spec: HttpRouteSpec<P, Q, B>,
  dependencies: () => HttpDependencies,
): HttpHandler {
  const tenantScoped = routeParamNames(spec.route).includes('tenantId');
  const mutating = spec.method !== 'GET';

  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const correlationId = correlationIdOf(request, context);
    const caller: { principal?: Principal } = {};
    let response: HttpResponseInit;
    try {
      response = await run(request, context, correlationId, caller);
    } catch (err) {
      response = errorResponse(err, context, correlationId);
    }
    if (mutating) await audit(request, response, correlationId, caller.principal);
    return withCorrelation(response, correlationId);
  };

  async function run(
    request: HttpRequest,
    context: InvocationContext,
    correlationId: string,
    caller: { principal?: Principal },
  ): Promise<HttpResponseInit> {
    let principal;
    if (spec.auth !== 'anonymous') {
      const verified = await dependencies().tokenVerifier.verify(request.headers.get('authorization'));
      if ('unavailable' in verified)
        return problem(503, 'auth-unavailable', verified.unavailable, { headers: { 'retry-after': '30' } });
      if ('rejected' in verified) return unauthorized(verified.rejected, verified.tokenPresent);
      principal = caller.principal = verified.principal;
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
      // Another tenant's resources answer exactly as missing ones do, so their existence never leaks.
      if (tenantScoped && request.params['tenantId']?.toLowerCase() !== principal.tenantId.toLowerCase()) {
        return notFound('The resource was not found');
      }
      const selfParam = spec.auth.orSelf;
      const isSelf =
        selfParam !== undefined &&
        principal.upn !== undefined &&
        principal.upn.toLowerCase() === request.params[selfParam]?.toLowerCase();
      if (!isSelf && !satisfiesRole(principal.roles, spec.auth.role)) {
        return forbidden(`This operation requires the ${spec.auth.role} role`);
      }
    }

    const parsed = await parseRequest(request, spec);
    if ('response' in parsed) return parsed.response;
    return await spec.handler({
      ...parsed.value,
      principal,
      headers: request.headers,
      correlationId,
      context,
    });
  }

  /**
   * One record per mutating request, in the tenant of its path (every mutating route has one), so
   * a tenant also sees what others were refused against it; a path naming no valid tenant is
   * recorded in the caller's own tenant, and an anonymous one there is nobody to tell.
   */
  async function audit(
    request: HttpRequest,
    response: HttpResponseInit,
    correlationId: string,
    principal: Principal | undefined,
  ): Promise<void> {
    const pathTenant = request.params['tenantId'];
    const tenantId = guid.safeParse(pathTenant).success ? pathTenant : principal?.tenantId;
    if (!tenantId) return;
    const status = response.status ?? 200;
    const code = (response.jsonBody as Partial<Problem> | undefined)?.code;
    await dependencies().audit.record({
      tenantId: tenantId.toLowerCase(),
      actor: actorOf(principal),
      action: spec.name,
      target: new URL(request.url).pathname.replace(/^\/api\//, '').slice(0, maxTargetLength),
      outcome: outcomeOfStatus(status),
      status,
      ...(status >= 400 && code ? { detail: code } : {}),
      correlationId,
    });
  }
}

function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return { kind: 'anonymous' };
  return principal.upn
    ? { kind: 'user', objectId: principal.objectId, upn: principal.upn }
    : { kind: 'application', objectId: principal.objectId };
}

function errorResponse(err: unknown, context: InvocationContext, correlationId: string): HttpResponseInit {
  if (err instanceof NotFoundError) return notFound(err.message);
  if (err instanceof RuleViolationError)
    return problem(400, err.code, err.message, { errors: [{ field: err.field, reason: err.message }] });
  if (err instanceof UnavailableError)
    return problem(503, err.code, err.message, { headers: { 'retry-after': '30' } });
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
