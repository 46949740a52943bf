/**
 * Idempotency keys for requests that must happen once (an activation, a fleet's manual points):
 * the key is made when the admin first submits an intent and reused for every retry of the same
 * intent — a double click, a retry after a 503, a reload mid-request — so the API returns the
 * first request's result instead of doing it twice. A changed intent gets a new key; the key is
 * forgotten once the request has succeeded, so the next, deliberate request is a new one.
 */
const prefix = 'clouddr.idempotency.';

export interface KeyStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface Stored {
  intent: string;
  key: string;
}

/** The key for this intent: the one stored for it, or a new one stored now. */
export function idempotencyKeyFor(
  store: KeyStore,
  action: string,
  intent: unknown,
  newKey: () => string = () => crypto.randomUUID(),
): string {
  const fingerprint = JSON.stringify(intent);
  const raw = store.getItem(prefix + action);
  if (raw) {
    try {
      const stored = JSON.parse(raw) as Stored;
      if (stored.intent === fingerprint) return stored.key;
    } catch {
      // A corrupt entry is replaced below.
    }
  }
  const key = `${action}-${newKey()}`;
  store.setItem(prefix + action, JSON.stringify({ intent: fingerprint, key } satisfies Stored));
  return key;
}

/**
 * The key already made for this intent, if it was submitted and has not succeeded since (its
 * answer lost, a reload mid-request): without making one.
 */
export function pendingIdempotencyKey(store: KeyStore, action: string, intent: unknown): string | undefined {
  const raw = store.getItem(prefix + action);
  if (!raw) return undefined;
  try {
    const stored = JSON.parse(raw) as Stored;
    return stored.intent === JSON.stringify(intent) ? stored.key : undefined;
  } catch {
    return undefined;
  }
}

/** The intent succeeded: its next submission is a new request. */
export function forgetIdempotencyKey(store: KeyStore, action: string): void {
  store.removeItem(prefix + action);
}
