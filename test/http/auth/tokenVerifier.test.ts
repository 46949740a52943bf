import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../../src/http/auth/tokenVerifier';

const tenantId = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const audience = 'api://clouddr-test';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

describe('TokenVerifier', () => {
  let server: Server;
  let jwksUri: string;
  let published: JWK[] = [];
  let jwksRequests = 0;
  let key: SigningKey;
  let issuer: string;

  beforeAll(async () => {
    key = await newKey('key-1');
    published = [key.publicJwk];
    server = createServer((_req, res) => {
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    jwksUri = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;
    issuer = 'https://login.example.test/{tenantid}/v2.0';
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function verifier(): TokenVerifier {
    return new TokenVerifier({ issuer, audience, jwksUri, clockSkewSeconds: 60 });
  }

  async function token(
    options: {
      signWith?: SigningKey;
      claims?: Record<string, unknown>;
      iss?: string;
      aud?: string;
      exp?: number;
      nbf?: number;
    } = {},
  ): Promise<string> {
    const signWith = options.signWith ?? key;
    const now = Math.floor(Date.now() / 1000);
    return await new SignJWT({
      tid: tenantId,
      oid: 'object-1',
      roles: ['DR.Reader'],
      upn: 'ada@contoso.test',
      ...options.claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: signWith.kid })
      .setIssuer(options.iss ?? `https://login.example.test/${tenantId}/v2.0`)
      .setAudience(options.aud ?? audience)
      .setSubject('subject-1')
      .setIssuedAt(now)
      .setNotBefore(options.nbf ?? now)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(signWith.privateKey);
  }

  it('accepts a valid token and reads the caller from it', async () => {
    const result = await verifier().verify(`Bearer ${await token()}`);
    expect(result).toEqual({
      principal: {
        tenantId,
        issuer: `https://login.example.test/${tenantId}/v2.0`,
        objectId: 'object-1',
        subject: 'subject-1',
        upn: 'ada@contoso.test',
        roles: ['DR.Reader'],
      },
    });
  });

  it('asks for a token when none is sent, and rejects a header that is not Bearer', async () => {
    expect(await verifier().verify(null)).toEqual({
      rejected: 'A bearer token is required',
      tokenPresent: false,
    });
    expect(await verifier().verify('Basic dXNlcjpwYXNz')).toMatchObject({ tokenPresent: true });
  });

  it.each([
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600 }, 'The token has expired'],
    ['a token not yet valid', { nbf: Math.floor(Date.now() / 1000) + 3600 }, 'The token is not yet valid'],
    ['a token for another audience', { aud: 'api://someone-else' }, 'The token is not for this audience'],
    [
      'a token from another issuer',
      { iss: 'https://evil.example.test/v2.0' },
      'The token has an unexpected issuer',
    ],
    [
      'a token whose issuer names another tenant',
      { iss: 'https://login.example.test/00000000-0000-0000-0000-000000000000/v2.0' },
      'The token has an unexpected issuer',
    ],
    ['a token without a tenant', { claims: { tid: undefined } }, "The token's tid claim is invalid"],
  ])('rejects %s', async (_name, options, reason) => {
    const result = await verifier().verify(`Bearer ${await token(options)}`);
    expect(result).toEqual({ rejected: reason, tokenPresent: true });
  });

  it('tolerates a small clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const result = await verifier().verify(`Bearer ${await token({ exp: now - 30, nbf: now + 30 })}`);
    expect(result).toHaveProperty('principal');
  });

  it('rejects a bad signature: a key that claims a published kid', async () => {
    const impostor = { ...(await newKey('key-1')) };
    const result = await verifier().verify(`Bearer ${await token({ signWith: impostor })}`);
    expect(result).toEqual({ rejected: 'The token signature is invalid', tokenPresent: true });
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await token()).split('.');
    const payload = Buffer.from(
      JSON.stringify({ tid: tenantId, roles: ['DR.Admin'], aud: audience }),
    ).toString('base64url');
    const result = await verifier().verify(`Bearer ${header}.${payload}.${signature}`);
    expect(result).toMatchObject({ tokenPresent: true });
    expect(result).not.toHaveProperty('principal');
  });

  it('caches the key set, and fetches it again when a token names a key it has not seen (rotation)', async () => {
    const v = new TokenVerifier(
      { issuer, audience, jwksUri, clockSkewSeconds: 60 },
      { refetchCooldownInMs: 0 },
    );
    const before = jwksRequests;
    await v.verify(`Bearer ${await token()}`);
    await v.verify(`Bearer ${await token()}`);
    expect(jwksRequests - before).toBe(1);

    const rotated = await newKey('key-2');
    published = [key.publicJwk, rotated.publicJwk];
    const result = await v.verify(`Bearer ${await token({ signWith: rotated })}`);
    expect(result).toHaveProperty('principal');
    expect(jwksRequests - before).toBe(2);
  });

  it('does not fetch the key set again for unknown key ids within the cooldown', async () => {
    const v = new TokenVerifier(
      { issuer, audience, jwksUri, clockSkewSeconds: 60 },
      { refetchCooldownInMs: 60_000 },
    );
    await v.verify(`Bearer ${await token()}`);
    const before = jwksRequests;
    for (const kid of ['made-up-1', 'made-up-2', 'made-up-3']) {
      const result = await v.verify(`Bearer ${await token({ signWith: { ...key, kid } })}`);
      expect(result).toEqual({ rejected: 'The token is signed with an unknown key', tokenPresent: true });
    }
    expect(jwksRequests - before).toBe(0);
  });

  describe('remembers a token it verified', () => {
    let nowMs: number;
    const clock = { now: () => new Date(nowMs) };
    let withdrawable: SigningKey;

    beforeAll(async () => {
      withdrawable = await newKey('key-withdrawn');
    });

    function rememberingVerifier(maxRememberedTokens?: number): TokenVerifier {
      return new TokenVerifier(
        { issuer, audience, jwksUri, clockSkewSeconds: 60 },
        { refetchCooldownInMs: 0, clock, ...(maxRememberedTokens ? { maxRememberedTokens } : {}) },
      );
    }

    /** The issuer stops publishing the key, and the verifier has fetched the key set since. */
    async function withdrawKey(v: TokenVerifier): Promise<void> {
      published = [key.publicJwk];
      const before = jwksRequests;
      await v.verify(`Bearer ${await token({ signWith: { ...key, kid: 'made-up' } })}`);
      expect(jwksRequests).toBeGreaterThan(before);
    }

    const unknownKey = { rejected: 'The token is signed with an unknown key', tokenPresent: true };

    beforeEach(() => {
      nowMs = Date.now();
      published = [key.publicJwk, withdrawable.publicJwk];
    });
    afterEach(() => {
      published = [key.publicJwk];
    });

    it('without checking it again, for as long as the key set is trusted', async () => {
      const v = rememberingVerifier();
      const bearer = `Bearer ${await token({ signWith: withdrawable, exp: Math.floor(nowMs / 1000) + 3600 })}`;
      expect(await v.verify(bearer)).toHaveProperty('principal');
      await withdrawKey(v);

      expect(await v.verify(bearer)).toHaveProperty('principal.objectId', 'object-1');
      expect(await rememberingVerifier().verify(bearer)).toEqual(unknownKey);
      // The key set's age limit (10 minutes) from the token's verification.
      nowMs += 10 * 60_000;
      expect(await v.verify(bearer)).toEqual(unknownKey);
    });

    it('and still refuses it once it expires', async () => {
      const v = rememberingVerifier();
      const bearer = `Bearer ${await token({ exp: Math.floor(nowMs / 1000) + 120 })}`;
      expect(await v.verify(bearer)).toHaveProperty('principal');
      nowMs += (120 + 60 + 1) * 1000;
      expect(await v.verify(bearer)).toEqual({ rejected: 'The token has expired', tokenPresent: true });
    });

    it('up to a bound, forgetting the least recently used first', async () => {
      const v = rememberingVerifier(2);
      const [a, b, c] = await Promise.all(
        ['a', 'b', 'c'].map(
          async (oid) => `Bearer ${await token({ signWith: withdrawable, claims: { oid } })}`,
        ),
      );
      for (const bearer of [a!, b!, a!, c!]) expect(await v.verify(bearer)).toHaveProperty('principal');
      await withdrawKey(v);

      expect(await v.verify(a!)).toHaveProperty('principal.objectId', 'a');
      expect(await v.verify(c!)).toHaveProperty('principal.objectId', 'c');
      expect(await v.verify(b!)).toEqual(unknownKey);
    });
  });

  it('reports the issuer unavailable, not the token invalid, when its keys cannot be fetched', async () => {
    const unreachable = new TokenVerifier({
      issuer,
      audience,
      jwksUri: 'http://127.0.0.1:1/jwks',
      clockSkewSeconds: 60,
    });
    const result = await unreachable.verify(`Bearer ${await token()}`);
    expect(result).toHaveProperty('unavailable');
  });
});
