/** What an ARM call's failure says: its HTTP status and ARM error code (`{ error: { code } }`). */
export function armStatusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function armCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** ARM answers 404 (`ResourceNotFound`, `NotFound`, `ResourceGroupNotFound`) for what does not exist. */
export function isArmNotFound(err: unknown): boolean {
  return armStatusOf(err) === 404;
}

export function armMessageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
