/**
 * Bearer tokens the double issues and accepts: JWT-shaped, HMAC-signed with a secret of this
 * double, naming the principal (`oid`) and the region of the ARM instance the caller reaches.
 * A token from anywhere else is refused (rule arm.auth.invalid).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export interface Caller {
  principalId: string;
  callerRegion: string;
}

export class TokenIssuer {
  private readonly secret = randomBytes(32);

  issue(caller: Caller): string {
    const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64(
      JSON.stringify({
        aud: 'https://management.azure.com/',
        oid: caller.principalId,
        xms_region: caller.callerRegion,
      }),
    );
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  /** The caller a token names, or undefined when the token is not one of ours. */
  verify(token: string): Caller | undefined {
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return undefined;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      oid?: unknown;
      xms_region?: unknown;
    };
    if (typeof claims.oid !== 'string' || typeof claims.xms_region !== 'string') return undefined;
    return { principalId: claims.oid, callerRegion: claims.xms_region };
  }

  credential(caller: Caller): TokenCredential {
    const token = this.issue(caller);
    return {
      getToken: async (): Promise<AccessToken> => ({
        token,
        expiresOnTimestamp: Date.now() + 3_600_000,
        tokenType: 'Bearer',
      }),
    };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
