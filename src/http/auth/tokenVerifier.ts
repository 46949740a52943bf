/**
 * Validates bearer JWTs in the app: signature against the issuer's JWKS (cached, fetched again when
 * a token names an unknown key id), issuer, audience, expiry and not-before with a small skew.
 *
 * A token that passed is remembered by its exact text, so a client polling with the same token is
 * not checked again: jose checks a signature on libuv's thread pool, and its answer then waits its
 * turn on a busy event loop (5 ms median, 29 ms p99 of a status read while an activation of 10,000
 * devices ran). A remembered token is still refused once it expires, and is remembered for at
 * most as long as the key set is cached (10 min) from its verification. A token can be verified
 * with a key up to that long after the issuer withdrew it, while the cached set still holds it, so
 * the withdrawn key is honoured for at most 20 min (without remembering, 10).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig } from '../../config';
import { systemClock, type Clock } from '../../ports/Clock';
import type { Principal } from './principal';

export type VerifyResult =
  | { principal: Principal }
  /** The token is missing or bad: 401. */
  | { rejected: string; tokenPresent: boolean }
  /** The issuer's keys could not be fetched: 503, the caller may retry. */
  | { unavailable: string };

export interface TokenVerifierOptions {
  /**
   * Least time between two fetches of the key set. An unknown `kid` triggers a fetch, but no more
   * often than this, so tokens with made-up key ids cannot hammer the issuer.
   */
  refetchCooldownInMs?: number;
  /** Most tokens remembered as verified; the least recently used goes first. */
  maxRememberedTokens?: number;
  /** Expiry is judged on this clock; tokens are stamped with real time, so it is the system's. */
  clock?: Clock;
  /**
   * How long one fetch of the key set may take (jose's `timeoutDuration`, which aborts the fetch);
   * past it the request answers 503 `auth-unavailable`. The deadline budgets set it.
   */
  jwksTimeoutInMs?: number;
}

/** How long the issuer's key set, and so a token verified with it, is trusted without a fetch. */
const keySetMaxAgeInMs = 10 * 60_000;

interface RememberedToken {
  principal: Principal;
  /** Whichever is first: its expiry (with the skew), or the key set's age limit from verification. */
  usableUntilMs: number;
}

export class TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  /** In the order they were last used, so the first is the one to forget. */
  private readonly remembered = new Map<string, RememberedToken>();
  private readonly maxRemembered: number;
  private readonly clock: Clock;

  constructor(
    private readonly config: Omit<AuthConfig, 'platformTenantId'>,
    options: TokenVerifierOptions = {},
  ) {
    this.maxRemembered = options.maxRememberedTokens ?? 1_000;
    this.clock = options.clock ?? systemClock;
    this.keys = createRemoteJWKSet(new URL(config.jwksUri), {
      cacheMaxAge: keySetMaxAgeInMs,
      cooldownDuration: options.refetchCooldownInMs ?? 30_000,
      timeoutDuration: options.jwksTimeoutInMs ?? 5_000,
    });
  }

  async verify(authorization: string | null): Promise<VerifyResult> {
    if (!authorization) return { rejected: 'A bearer token is required', tokenPresent: false };
    const match = /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(authorization);
    if (!match) return { rejected: 'The Authorization header must be "Bearer <token>"', tokenPresent: true };

    const token = match[1]!;
    const now = this.clock.now();
    const known = this.recall(token, now.getTime());
    if (known) return { principal: known };

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        currentDate: now,
        audience: this.config.audience,
        clockTolerance: this.config.clockSkewSeconds,
        algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'PS256'],
        requiredClaims: ['exp', 'tid'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) {
        return { unavailable: "The token issuer's signing keys could not be fetched" };
      }
      return { rejected: describeJoseError(err), tokenPresent: true };
    }

    const tenantId = typeof payload['tid'] === 'string' ? payload['tid'] : '';
    const expectedIssuer = this.config.issuer.replace(/\{tenantid\}/gi, tenantId);
    if (payload.iss !== expectedIssuer)
      return { rejected: 'The token has an unexpected issuer', tokenPresent: true };
    if (!tenantId) return { rejected: 'The token has no tenant (tid)', tokenPresent: true };

    const subject = payload.sub ?? '';
    const objectId = stringClaim(payload, 'oid') ?? subject;
    if (!objectId) return { rejected: 'The token has no subject', tokenPresent: true };
    const upn = stringClaim(payload, 'upn') ?? stringClaim(payload, 'preferred_username');
    const roles = Array.isArray(payload['roles'])
      ? payload['roles'].filter((r): r is string => typeof r === 'string')
      : [];
    const principal: Principal = { tenantId, issuer: expectedIssuer, objectId, subject, roles };
    if (upn) principal.upn = upn;
    this.remember(token, principal, payload.exp!, now.getTime());
    return { principal };
  }

  /** A copy of the caller of a token verified before and still usable, else nothing. */
  private recall(token: string, nowMs: number): Principal | undefined {
    const known = this.remembered.get(token);
    if (!known) return undefined;
    this.remembered.delete(token);
    if (nowMs >= known.usableUntilMs) return undefined;
    this.remembered.set(token, known);
    return copyOf(known.principal);
  }

  private remember(token: string, principal: Principal, exp: number, nowMs: number): void {
    const usableUntilMs = Math.min((exp + this.config.clockSkewSeconds) * 1000, nowMs + keySetMaxAgeInMs);
    this.remembered.set(token, { principal: copyOf(principal), usableUntilMs });
    if (this.remembered.size > this.maxRemembered) {
      this.remembered.delete(this.remembered.keys().next().value!);
    }
  }
}

/** The cache's own principal is never handed out, so no request can change another's caller. */
function copyOf(principal: Principal): Principal {
  return { ...principal, roles: [...principal.roles] };
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function describeJoseError(err: joseErrors.JOSEError): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'The token is not for this audience';
    if (err.claim === 'nbf') return 'The token is not yet valid';
    return `The token's ${err.claim} claim is invalid`;
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'The token is signed with an unknown key';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  return 'The token is malformed or invalid';
}
