/**
 * An answer of the API that is not a success, as the portal shows it: the problem+json's detail,
 * code and field errors, and the correlation id an operator quotes to find the request in the logs.
 */
export interface FieldProblem {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly code: string | undefined,
    readonly correlationId: string | undefined,
    readonly errors: readonly FieldProblem[] = [],
    /** From `Retry-After`, when the API said when to try again (503, 429). */
    readonly retryAfterMs?: number,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

function isFieldProblem(value: unknown): value is FieldProblem {
  const candidate = value as Partial<Record<keyof FieldProblem, unknown>> | null;
  return typeof candidate?.field === 'string' && typeof candidate.reason === 'string';
}

interface ProblemBody {
  title?: unknown;
  detail?: unknown;
  code?: unknown;
  correlationId?: unknown;
  errors?: unknown;
}

/** The error a failed response stands for, whatever its body (a proxy's HTML page included). */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    // Not JSON: the status alone is what is known.
  }
  return apiErrorOfBody(response, body);
}

/** The error of a failed response whose body was already read (openapi-fetch reads it). */
export function apiErrorOfBody(response: Response, parsed: unknown): ApiError {
  const body: ProblemBody = parsed && typeof parsed === 'object' ? parsed : {};
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const errors = Array.isArray(body.errors) ? (body.errors as unknown[]).filter(isFieldProblem) : [];
  return new ApiError(
    response.status,
    text(body.title) ?? (response.statusText || `HTTP ${response.status}`),
    text(body.detail) ?? `The API answered ${response.status}`,
    text(body.code),
    text(body.correlationId) ?? response.headers.get('x-correlation-id') ?? undefined,
    errors,
    retryAfterMs(response.headers.get('retry-after')),
  );
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
