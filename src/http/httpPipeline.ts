/**
 * The HTTP contract applied to every route: authenticate, check tenant and role, validate input,
 * run the handler, and turn every failure into problem+json. Handlers see only typed input.
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
import { satisfiesRole } from '../domain/roles';
import type { TokenVerifier } from './auth/tokenVerifier';
import { parseRequest } from './parseRequest';
import { forbidden, notFound, problem, problemContentType, unauthorized, type Problem } from './problem';
import { routeParamNames, type HttpRouteSpec } from './routeSpec';

const correlationHeader = 'x-correlation-id';

export function createHttpHandler<P, Q, B>(
  spec: HttpRouteSpec<P, Q, B>,
  getVerifier: () => TokenVerifier,
): HttpHandler {
  const tenantScoped = routeParamNames(spec.route).includes('tenantId');

  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const correlationId = correlationIdOf(request, context);
    let response: HttpResponseInit;
    try {
      response = await run(request, context, correlationId);
    } catch (err) {
      response = errorResponse(err, context, correlationId);
    }
    return withCorrelation(response, correlationId);
  };

  async function run(
    request: HttpRequest,
    context: InvocationContext,
    correlationId: string,
  ): Promise<HttpResponseInit> {
    let principal;
    if (spec.auth !== 'anonymous') {
      const verified = await getVerifier().verify(request.headers.get('authorization'));
      if ('unavailable' in verified)
        return problem(503, 'auth-unavailable', verified.unavailable, { headers: { 'retry-after': '30' } });
      if ('rejected' in verified) return unauthorized(verified.rejected, verified.tokenPresent);
      principal = verified.principal;
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
