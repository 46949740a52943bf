import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
