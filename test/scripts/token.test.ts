import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/emulators/freePort';
import { call } from '../support/http';
import { startTestEnvironment, type TestEnvironment } from '../support/testEnvironment';

const run = promisify(execFile);
const tsx = require.resolve('tsx/cli');

describe('npm run token', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment();
  });
  afterAll(async () => await env.close());

  async function token(...args: string[]) {
    return await run(process.execPath, [tsx, 'scripts/token.ts', ...args], {
      env: { ...process.env, ...env.settings },
    });
  }

  /** As a user runs it: only the variables given to npm start, none of the app settings they imply. */
  async function tokenAsUser(variables: Record<string, string>, ...args: string[]) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !Object.hasOwn(env.settings, name)),
    );
    const started = Date.now();
    return await run(process.execPath, [tsx, 'scripts/token.ts', ...args], {
      env: { ...inherited, ...variables },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr, ms: Date.now() - started }),
      (err: { code: number; stdout: string; stderr: string }) => ({ ...err, ms: Date.now() - started }),
    );
  }

  it("prints a platform admin's token and a tenant's, each accepted for what it may do", async () => {
    const tenantId = randomUUID();
    const platform = await token('--platform', '--upn', 'ops@platform.test');
    const created = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: platform.stdout.trim(),
      json: { name: 'Contoso', licences: 1, allowedBackupRegions: ['northeurope'] },
    });
    expect(created.status, created.text).toBe(201);
    const { stdout } = await token('--tenant', tenantId, '--role', 'DR.Admin', '--upn', 'ada@contoso.test');
    const changed = await call(`${env.baseUrl}/tenants/${tenantId}`, {
      method: 'PUT',
      token: stdout.trim(),
      json: { name: 'Contoso Ltd', allowedBackupRegions: ['northeurope'] },
    });
    expect(changed.status, changed.text).toBe(200);
    // A tenant's token is no platform admin's, whatever role it asks for.
    const refused = await token('--tenant', tenantId, '--role', 'DR.PlatformAdmin').then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused?.code).toBe(2);
  });

  it('refuses bad arguments with a usage message and exit code 2', async () => {
    const failure = await token('--tenant', 'contoso', '--role', 'Owner').then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('--tenant must be a GUID');
    expect(failure?.stderr).toContain('--role Owner is not one of');
  });

  it('names the port npm start runs on when LOCAL_HTTP_PORT moves it, and fails fast naming the fix when nothing answers', async () => {
    const port = new URL(env.baseUrl).port;
    const dataDir = env.settings.LOCAL_DATA_DIR!;
    const tenantId = randomUUID();
    // The test environment's issuer is that of an `npm start` with LOCAL_HTTP_PORT=<its port>.
    expect(env.settings.AUTH_ISSUER).toBe(`http://localhost:${port}/api/local-issuer`);
    const platform = await tokenAsUser({ LOCAL_HTTP_PORT: port, LOCAL_DATA_DIR: dataDir }, '--platform');
    expect(platform.code, platform.stderr).toBe(0);
    const created = await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: platform.stdout.trim(),
      json: { name: 'Moved port', licences: 1, allowedBackupRegions: ['northeurope'] },
    });
    expect(created.status, created.text).toBe(201);

    // Nothing on the port: one line naming the fix, at once.
    const stopped = await tokenAsUser(
      { LOCAL_HTTP_PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir },
      '--platform',
    );
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toBe('');
    expect(stopped.stderr.trim().split('\n')).toHaveLength(1);
    expect(stopped.stderr).toMatch(
      /nothing answers at .*: start the runtime first \(npm start\).*LOCAL_HTTP_PORT/,
    );
    expect(stopped.ms).toBeLessThan(10_000);

    // The runtime's data folder is another: its key would be refused.
    const elsewhere = await mkdtemp(join(tmpdir(), 'clouddr-token-'));
    try {
      const other = await tokenAsUser({ LOCAL_HTTP_PORT: port, LOCAL_DATA_DIR: elsewhere }, '--platform');
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('set the same LOCAL_DATA_DIR here as for npm start');
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('answers --help with its usage, and an unknown option with the usage and exit code 2', async () => {
    const help = await tokenAsUser({}, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: npm run -s token -- --tenant <tenant GUID> --role <role>');
    for (const option of [
      '--tenant',
      '--role',
      '--platform',
      '--upn',
      '--hours',
      'LOCAL_HTTP_PORT',
      'LOCAL_DATA_DIR',
    ])
      expect(help.stdout).toContain(option);
    const unknown = await tokenAsUser({}, '--tennant', randomUUID());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--tennant'");
    expect(unknown.stderr).toContain('usage: npm run -s token');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});
