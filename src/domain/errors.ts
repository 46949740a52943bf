/**
 * Domain errors carry a stable `code` that clients can match on; the HTTP layer maps each class to
 * a status. Anything else reaching the edge is unexpected and becomes a 500.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The resource does not exist, or the caller may not know that it does. */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not-found', `${what} was not found`);
  }
}

/** The request conflicts with the resource's current state (duplicate id, stale version). */
export class ConflictError extends DomainError {}

/** A rule about the request's content that a schema cannot express. */
export class RuleViolationError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly field: string,
  ) {
    super(code, message);
  }
}

/** Which dependency did not answer, and when asking again is worth it. */
export interface UnavailableDetails {
  /** The dependency as health names it: `state-store`, `storage:westeurope`, `work-queue`. */
  dependency?: string;
  /** When a retry may succeed: how long the dependency's circuit stays open, for instance. */
  retryAfterSeconds?: number;
  /**
   * False when trying again at once cannot help: the work's own deadline has passed, or the
   * dependency's circuit is open. A loop that retries within the same work stops on it.
   */
  worthRetryingNow?: boolean;
  cause?: unknown;
}

/** A dependency (a region's storage, the state store) did not answer: the caller may retry. */
export class UnavailableError extends DomainError {
  readonly dependency: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly worthRetryingNow: boolean;

  constructor(message: string, details: UnavailableDetails = {}) {
    super('dependency-unavailable', message);
    this.dependency = details.dependency;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.worthRetryingNow = details.worthRetryingNow ?? true;
    if (details.cause !== undefined) this.cause = details.cause;
  }
}

/** Normalises whatever a `catch` receives into an Error. */
export function ensureErrorType(err: unknown): Error {
  if (err instanceof Error) return err;
  let message: string;
  try {
    message = typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    message = String(err);
  }
  return new Error(`Non-error thrown: ${message}`);
}
