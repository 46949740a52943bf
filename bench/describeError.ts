/**
 * A failed run's error in one line. Most carry a message; a storage error without a body (a HEAD
 * request's, or the bare 408 Node's HTTP server sent under Azurite at N = 50,000) has none, and its
 * stack, being asynchronous, rarely names our code — so say which request it answered: the method
 * and the path (never the query string, which may hold a SAS signature).
 */
export function describeError(error: Error): string {
  if (error.message) return error.message;
  const { statusCode, code, request } = error as Error & {
    statusCode?: number;
    code?: string;
    request?: { method?: string; url?: string };
  };
  const at = (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.includes('/bench/'))
    .slice(0, 3)
    .join(' < ');
  const path = request?.url ? pathOf(request.url) : undefined;
  return (
    `${error.name}${statusCode ? ` ${statusCode}` : ''}${code ? ` ${code}` : ''} (no message)` +
    `${path ? ` answering ${request?.method ?? ''} ${path}` : ''}${at ? ` at ${at}` : ''}`
  );
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(an unreadable URL)';
  }
}
