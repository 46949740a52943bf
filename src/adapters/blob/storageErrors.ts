/** Reads what a storage call's error says, whichever SDK layer threw it. */

export function statusCodeOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The service's error code (`BlobNotFound`, `ConditionNotMet`, ...), when there is one. */
export function errorCodeOf(err: unknown): string | undefined {
  const error = err as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const value = error?.details?.errorCode ?? error?.code;
  return typeof value === 'string' ? value : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusCodeOf(err) === 404;
}

/** An If-Match that no longer holds: someone else changed the blob since it was read. */
export function isPreconditionFailed(err: unknown): boolean {
  return statusCodeOf(err) === 412;
}

/**
 * A create with `If-None-Match: *` found the blob already there: the service answers 409
 * `BlobAlreadyExists` for most writes and 412 for some, so both count.
 */
export function isAlreadyExists(err: unknown): boolean {
  const status = statusCodeOf(err);
  return status === 412 || (status === 409 && errorCodeOf(err) === 'BlobAlreadyExists');
}

/** The service's message without the request id and time it appends: short enough for a status. */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
