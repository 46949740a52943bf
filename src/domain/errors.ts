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

/** A dependency (a region's storage, the state store) did not answer: the caller may retry. */
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super('dependency-unavailable', message);
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
