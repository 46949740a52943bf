/**
 * The embedded runtime's portal site and its development sign-in: built files at `/`, the
 * sign-in only with the local issuer on, only from loopback and only for a loopback host name,
 * and never a route the Functions host registers.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalSigningKey } from '../../src/adapters/local-issuer/localIssuer';
import '../../src/functions';
import { registeredFunctions } from '../../src/functions/registry';
import { isLoopbackAddress, isLoopbackHost, type DevSignInOptions } from '../../src/local/devSignIn';
import { startHttpHost, type HttpHost } from '../../src/local/httpHost';
import { portalSite } from '../../src/local/portalSite';
import { call } from '../support/http';

const tenantId = '0a6f5c1e-3c11-4f5e-9e55-6a3f6f0f7c21';
const platformTenantId = '11111111-2222-4333-8444-555555555555';

/** A request with a Host header of our choosing (fetch does not let a caller set it). */
function rawRequest(url: string, init: { method: string; host: string; body?: string }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: init.method, headers: { host: init.host, 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the portal site of the embedded runtime', () => {
  let dir: string;
  let signIn: DevSignInOptions;
  let host: HttpHost;
  let withoutIssuer: HttpHost;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portal-site-'));
    await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>portal</title>');
    await writeFile(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside the site');
    signIn = { dataDir: dir, issuer: 'http://localhost/issuer', audience: 'api://test', platformTenantId };
    // Bound to every interface, so a peer that is not loopback can be tried where the machine has one.
    host = await startHttpHost([], {
      port: 0,
      host: '0.0.0.0',
      site: portalSite({ dir: join(dir, 'dist'), devSignIn: signIn }),
    });
    withoutIssuer = await startHttpHost([], { port: 0, site: portalSite({ dir: join(dir, 'dist') }) });
    base = `http://127.0.0.1:${host.port}`;
  });
  afterAll(async () => {
    await Promise.all([host.close(), withoutIssuer.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / uncached and hashed assets for a year, with security headers', async () => {
    const index = await call(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>portal</title>');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const asset = await call(`${base}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves nothing outside its folder, and answers an unknown path as the API host does', async () => {
    for (const path of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt']) {
      const response = await call(`${base}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.text).not.toContain('outside the site');
    }
    const missing = await call(`${base}/no-such-file.js`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not-found' });
    expect((await call(`${base}/`, { method: 'DELETE' })).status).toBe(404);
  });

  it('tells the portal to sign in with the local issuer, and mints a token the issuer’s keys verify', async () => {
    expect((await call(`${base}/portal-config.json`)).body).toEqual({ signIn: 'local' });
    const response = await call(`${base}/local/sign-in`, {
      method: 'POST',
      json: { tenantId, role: 'DR.Operator', upn: 'oncall@contoso.test' },
    });
    expect(response.status).toBe(200);
    const key = await loadLocalSigningKey(dir);
    const { payload } = await jwtVerify(
      response.body.token as string,
      createLocalJWKSet({ keys: [key.publicJwk] }),
      { issuer: signIn.issuer, audience: signIn.audience },
    );
    expect(payload).toMatchObject({ tid: tenantId, roles: ['DR.Operator'], upn: 'oncall@contoso.test' });
    const platform = await call(`${base}/local/sign-in`, {
      method: 'POST',
      json: { platform: true, upn: 'ops@contoso.test' },
    });
    const claims = JSON.parse(
      Buffer.from(String(platform.body.token).split('.')[1]!, 'base64url').toString(),
    );
    expect(claims).toMatchObject({ tid: platformTenantId, roles: ['DR.PlatformAdmin'] });
  });

  it('refuses a bad request with the field named, and mints nothing', async () => {
    const response = await call(`${base}/local/sign-in`, {
      method: 'POST',
      json: { tenantId: 'not-a-guid', role: 'DR.Owner', upn: 'someone' },
    });
    expect(response.status).toBe(400);
    expect(response.body.token).toBeUndefined();
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['body.role', 'body.tenantId', 'body.upn']);
    expect((await call(`${base}/local/sign-in`)).status).toBe(405);
  });

  it('does not answer a page that reached it under another host name (DNS rebinding)', async () => {
    const response = await rawRequest(`${base}/local/sign-in`, {
      method: 'POST',
      host: `attacker.example:${host.port}`,
      body: JSON.stringify({ tenantId, role: 'DR.Admin', upn: 'a@contoso.test' }),
    });
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('token');
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  it.skipIf(!external)(
    `does not answer a peer that is not loopback (${external ?? 'this machine has no such interface'})`,
    async () => {
      const response = await call(`http://${external}:${host.port}/local/sign-in`, {
        method: 'POST',
        json: { tenantId, role: 'DR.Admin', upn: 'a@contoso.test' },
      });
      expect(response.status).toBe(404);
      expect(response.body.token).toBeUndefined();
      // The portal's files themselves are not secret.
      expect((await call(`http://${external}:${host.port}/`)).status).toBe(200);
    },
  );

  it('judges loopback by address and host name', () => {
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.4', '::ffff:10.0.0.4', '127.0.0.2', undefined].some(isLoopbackAddress)).toBe(false);
    expect(['localhost', 'localhost:7071', '127.0.0.1:7071', '[::1]:7071'].every(isLoopbackHost)).toBe(true);
    expect(
      ['localhost.attacker.example', 'evil:7071', '127.0.0.1.nip.io', undefined].some(isLoopbackHost),
    ).toBe(false);
  });

  it('has no sign-in and no local portal configuration without the local issuer', async () => {
    const url = `http://127.0.0.1:${withoutIssuer.port}`;
    const signInResponse = await call(`${url}/local/sign-in`, {
      method: 'POST',
      json: { tenantId, role: 'DR.Admin', upn: 'a@contoso.test' },
    });
    expect(signInResponse.status).toBe(404);
    expect((await call(`${url}/portal-config.json`)).status).toBe(404);
  });

  it('is never a route of the Functions host', () => {
    const routes = registeredFunctions()
      .filter((f) => f.kind === 'http')
      .map((f) => (f.kind === 'http' ? f.spec.route : ''));
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => /sign-in|local\/(?!issuer\/jwks)/i.test(r))).toEqual([]);
  });
});
