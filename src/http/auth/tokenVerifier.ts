/**
 * Validates bearer JWTs in the app: signature against the issuer's JWKS (cached, fetched again when
 * a token names an unknown key id), issuer, audience, expiry and not-before with a small skew.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig } from '../../config';
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
}

export class TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly config: AuthConfig,
    options: TokenVerifierOptions = {},
  ) {
    this.keys = createRemoteJWKSet(new URL(config.jwksUri), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: options.refetchCooldownInMs ?? 30_000,
      timeoutDuration: 5_000,
    });
  }

  async verify(authorization: string | null): Promise<VerifyResult> {
    if (!authorization) return { rejected: 'A bearer token is required', tokenPresent: false };
    const match = /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(authorization);
    if (!match) return { rejected: 'The Authorization header must be "Bearer <token>"', tokenPresent: true };

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, this.keys, {
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
    const principal: Principal = { tenantId, objectId, subject, roles };
    if (upn) principal.upn = upn;
    return { principal };
  }
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
