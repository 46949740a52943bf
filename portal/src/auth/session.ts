/**
 * Who is signed in: the bearer token the API takes and what it says (tenant, user, roles, expiry).
 * Kept in sessionStorage, so a reload keeps the admin signed in and closing the tab signs out.
 */
export interface Session {
  token: string;
  tenantId: string;
  upn: string;
  roles: readonly string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** How the token was got: the local development issuer, or Microsoft Entra ID. */
  source: 'local' | 'entra';
}

const storageKey = 'clouddr.session';

/** The session a token stands for; its claims are read, not verified (the API verifies them). */
export function sessionOfToken(token: string, source: Session['source']): Session {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('The sign-in did not return a token');
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as {
    tid?: string;
    upn?: string;
    preferred_username?: string;
    roles?: string[];
    exp?: number;
  };
  return {
    token,
    tenantId: claims.tid ?? '',
    upn: claims.upn ?? claims.preferred_username ?? '',
    roles: claims.roles ?? [],
    expiresAt: (claims.exp ?? 0) * 1000,
    source,
  };
}

export function loadSession(storage: Storage, now = Date.now()): Session | undefined {
  const raw = storage.getItem(storageKey);
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > now ? session : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(storage: Storage, session: Session | undefined): void {
  if (session) storage.setItem(storageKey, JSON.stringify(session));
  else storage.removeItem(storageKey);
}
