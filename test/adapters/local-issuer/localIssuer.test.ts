import { decodeJwt, decodeProtectedHeader } from 'jose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalSigningKey, signLocalToken } from '../../../src/adapters/local-issuer/localIssuer';

describe('local issuer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clouddr-issuer-'));
  });
  afterAll(async () => await rm(dir, { recursive: true, force: true }));

  it('makes one key on first use even when several callers race, and keeps it', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadLocalSigningKey(dir)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect((await loadLocalSigningKey(dir)).kid).toBe(keys[0]!.kid);
  });

  it('publishes only the public half of the key', async () => {
    const { publicJwk } = await loadLocalSigningKey(dir);
    expect(publicJwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    for (const privateField of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
      expect(publicJwk).not.toHaveProperty(privateField);
  });

  it('signs Entra-shaped tokens', async () => {
    const key = await loadLocalSigningKey(dir);
    const token = await signLocalToken(key, {
      issuer: 'http://localhost/iss',
      audience: 'api://x',
      tenantId: 't1',
      roles: ['DR.Reader'],
      upn: 'ada@contoso.test',
      expiresInSeconds: 60,
    });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: key.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'http://localhost/iss',
      aud: 'api://x',
      tid: 't1',
      roles: ['DR.Reader'],
      upn: 'ada@contoso.test',
    });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(claims.sub).toBe(claims['oid']);
  });
});
