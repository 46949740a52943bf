/**
 * How long a throttled response says to wait: `retry-after-ms` / `x-ms-retry-after-ms` in
 * milliseconds, else `Retry-After` in seconds or as an HTTP date (the forms the Azure SDK's own
 * throttling strategy reads). Undefined when none is given or readable.
 */
import type { HttpHeaders } from '@azure/core-rest-pipeline';

export function retryAfterInMs(headers: HttpHeaders, nowMs: number): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}
