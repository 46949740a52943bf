/**
 * The API's field errors (problem+json `errors`, with paths such as `body.rpoHours` or
 * `body.diskScopes.0.container`) placed next to the form field they are about, so an admin sees
 * what to fix where they type it; the ErrorBar lists them all as well.
 */
import { ApiError, type FieldProblem } from '../api/ApiError';

/** Reasons by field path; several reasons for one path are joined. */
export type FieldErrors = ReadonlyMap<string, string>;

export const noFieldErrors: FieldErrors = new Map();

export function fieldErrorsOfProblems(problems: readonly FieldProblem[]): FieldErrors {
  const byField = new Map<string, string>();
  for (const { field, reason } of problems) {
    const previous = byField.get(field);
    byField.set(field, previous ? `${previous}; ${reason}` : reason);
  }
  return byField;
}

/** The field errors an error carries: none unless it is an ApiError with `errors`. */
export function fieldErrorsOf(error: unknown): FieldErrors {
  return error instanceof ApiError ? fieldErrorsOfProblems(error.errors) : noFieldErrors;
}

/**
 * What to show under the field at `path`: its own reasons, and those of the fields inside it
 * prefixed by their place (`container: must be a blob container name` under `body.diskScopes.0`),
 * so a field that edits a whole object or list still shows what is wrong inside it.
 */
export function fieldMessage(errors: FieldErrors, ...paths: readonly string[]): string | undefined {
  const messages: string[] = [];
  for (const path of paths) {
    for (const [field, reason] of errors) {
      if (field === path) messages.push(reason);
      else if (field.startsWith(`${path}.`)) messages.push(`${field.slice(path.length + 1)}: ${reason}`);
    }
  }
  return messages.length > 0 ? messages.join('; ') : undefined;
}

/** Fluent `Field` props for a field: its message and the error state, when it has one. */
export function fieldState(
  errors: FieldErrors,
  ...paths: readonly string[]
): { validationMessage?: string; validationState?: 'error' } {
  const message = fieldMessage(errors, ...paths);
  return message ? { validationMessage: message, validationState: 'error' } : {};
}
