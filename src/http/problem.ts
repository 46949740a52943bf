/**
 * Every error the API returns is `application/problem+json` (RFC 9457) with a stable `code`, a
 * human `detail`, the correlation id, and for bad input the failing fields.
 */
import type { HttpResponseInit } from '@azure/functions';

export const problemContentType = 'application/problem+json';

export interface FieldError {
  /** Where the bad value is: `body.name`, `query.pageSize`, `path.tenantId`, `header.If-Match`. */
  field: string;
  reason: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  correlationId?: string;
  errors?: FieldError[];
  /** For a 503: the dependency that did not answer, as `/api/health` names it (`storage:westeurope`). */
  dependency?: string;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  dependency?: string;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  options: ProblemOptions = {},
): HttpResponseInit {
  const body: Problem = {
    type: `urn:cloudpc-dr:problem:${code}`,
    title: titles[status] ?? 'Error',
    status,
    code,
    detail,
  };
  if (options.errors && options.errors.length > 0) body.errors = options.errors;
  if (options.dependency) body.dependency = options.dependency;
  return {
    status,
    headers: { 'content-type': problemContentType, ...options.headers },
    jsonBody: body,
  };
}

export function badRequest(detail: string, errors: FieldError[]): HttpResponseInit {
  return problem(400, 'validation-failed', detail, { errors });
}

/** A missing token gets only the challenge; a bad one also says why (RFC 6750 §3). */
export function unauthorized(detail: string, tokenPresent: boolean): HttpResponseInit {
  const challenge = tokenPresent
    ? `Bearer realm="cloudpc-dr", error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`
    : 'Bearer realm="cloudpc-dr"';
  return problem(401, tokenPresent ? 'invalid-token' : 'missing-token', detail, {
    headers: { 'www-authenticate': challenge },
  });
}

export function forbidden(detail: string): HttpResponseInit {
  return problem(403, 'forbidden', detail);
}

export function notFound(detail: string): HttpResponseInit {
  return problem(404, 'not-found', detail);
}
