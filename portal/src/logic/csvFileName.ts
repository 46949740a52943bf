/**
 * The file name a CSV download is saved under: the one the API's Content-Disposition gives, or
 * the caller's fallback. The name is reduced to safe characters, since it came over the wire.
 */
export function csvFileName(contentDisposition: string | null, fallback: string): string {
  const match = contentDisposition?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  let name = match?.[1];
  if (name) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Not percent-encoded: kept as it is.
    }
  }
  const safe = (name ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  if (safe === '') return fallback;
  return safe.toLowerCase().endsWith('.csv') ? safe : `${safe}.csv`;
}
