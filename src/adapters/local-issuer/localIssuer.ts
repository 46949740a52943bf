/**
 * A token issuer for development and tests only: an RSA key made on first use under the local
 * data folder, its public half served as a JWKS, tokens shaped like Entra's (tid, oid, roles).
 */
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile, link } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSigningKey {
  kid: string;
  privateKey: KeyLike | Uint8Array;
  publicJwk: JWK;
}

const algorithm = 'RS256';

/** Loads the key, creating it if this is the first use; safe when several processes race. */
export async function loadLocalSigningKey(dataDir: string): Promise<LocalSigningKey> {
  const folder = join(dataDir, 'local-issuer');
  const file = join(folder, 'signing-key.json');
  let stored: JWK;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    stored = await createKey(folder, file);
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = stored;
  return {
    kid: stored.kid!,
    privateKey: await importJWK(stored, algorithm),
    publicJwk: { ...publicJwk, use: 'sig', alg: algorithm },
  };
}

async function createKey(folder: string, file: string): Promise<JWK> {
  await mkdir(folder, { recursive: true });
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: algorithm };
  // Written aside, then linked into place: a concurrent reader never sees half a file, and the
  // loser of a race adopts the winner's key.
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, JSON.stringify(jwk), { mode: 0o600 });
  try {
    await link(temp, file);
    return jwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } finally {
    await rm(temp, { force: true });
  }
}

export interface LocalTokenClaims {
  issuer: string;
  audience: string;
  tenantId: string;
  roles: string[];
  objectId?: string;
  upn?: string;
  expiresInSeconds?: number;
}

export async function signLocalToken(key: LocalSigningKey, claims: LocalTokenClaims): Promise<string> {
  const payload: Record<string, unknown> = {
    tid: claims.tenantId,
    oid: claims.objectId ?? randomUUID(),
    roles: claims.roles,
  };
  if (claims.upn) payload['upn'] = claims.upn;
  return await new SignJWT(payload)
    .setProtectedHeader({ alg: algorithm, kid: key.kid, typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(String(payload['oid']))
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${claims.expiresInSeconds ?? 3600}s`)
    .sign(key.privateKey);
}
