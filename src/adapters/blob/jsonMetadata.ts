/**
 * A structured value in one blob metadata entry: JSON in base64url, because metadata values travel
 * as HTTP headers and must stay ASCII whatever names (blob names, ids) the value holds.
 */

export function encodeJsonMetadata(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The parsed value, or undefined when the entry is missing or not valid JSON. */
export function decodeJsonMetadata(encoded: string | undefined): unknown {
  if (!encoded) return undefined;
  try {
    return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
