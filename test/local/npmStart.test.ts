/**
 * End to end: the `npm start` supervisor as a child process, on free ports and its own data
 * folder — ready and healthy, data kept across a clean restart, the control plane restarted after
 * a hard kill, a clear error for a port in use, and no process left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalSigningKey, signLocalToken } from '../../src/adapters/local-issuer/localIssuer';
import { freePort } from '../../src/local/emulators/freePort';
import { PlatformRole } from '../../src/domain/roles';
import { localAudience, localPlatformTenantId } from '../../src/local/localSettings';
import { call } from '../support/http';

const root = join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  pids: number[];
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let api: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'clouddr-start-'));
    const ports = {
      http: await freePort(),
      blob: await freePort(),
      queue: await freePort(),
      table: await freePort(),
      cosmos: await freePort(),
    };
    env = {
      LOCAL_DATA_DIR: dataDir,
      LOCAL_HTTP_PORT: String(ports.http),
      LOCAL_BLOB_PORT: String(ports.blob),
      LOCAL_QUEUE_PORT: String(ports.queue),
      LOCAL_TABLE_PORT: String(ports.table),
      LOCAL_COSMOS_PORT: String(ports.cosmos),
    };
    api = `http://localhost:${ports.http}/api`;
  });

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  function launch(extraEnv: Record<string, string> = {}, args: string[] = []): ChildProcess {
    // The same entry `npm start` runs, from source (tsx) so the test needs no build.
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/local/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    return child;
  }

  async function start(): Promise<Started> {
    const child = launch();
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toMatch(/^ready: serving/m);
    const processes =
      /Processes {2}control plane (\d+), Azurite (\d+), Cosmos DB (\d+), supervisor (\d+)/.exec(output);
    expect(processes, output).not.toBeNull();
    return { child, output: () => output, pids: processes!.slice(1).map(Number) };
  }

  async function stop(started: Started): Promise<void> {
    started.child.kill('SIGINT');
    expect(await exited(started.child)).toBe(0);
    for (const pid of started.pids) {
      await expect.poll(() => isRunning(pid), { timeout: 5_000 }).toBe(false);
    }
  }

  async function token(tenantId: string, roles = ['DR.Admin']): Promise<string> {
    const key = await loadLocalSigningKey(dataDir);
    return await signLocalToken(key, {
      issuer: `${api}/local-issuer`,
      audience: localAudience,
      tenantId,
      roles,
    });
  }

  it('serves a healthy API, keeps data across a clean restart, and leaves no process behind', async () => {
    const first = await start();
    expect((await call(`${api}/health`)).status).toBe(200);

    const tenantId = randomUUID();
    const created = await call(`${api}/platform/tenants/${tenantId}`, {
      method: 'PUT',
      token: await token(localPlatformTenantId, [PlatformRole]),
      json: { name: 'Kept across restarts', licences: 3, allowedBackupRegions: ['northeurope'] },
    });
    expect(created.status).toBe(201);
    await stop(first);

    const second = await start();
    const read = await call(`${api}/tenants/${tenantId}`, { token: await token(tenantId) });
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Kept across restarts');

    // A hard kill of the control plane: the supervisor starts it again; storage stayed up.
    const [controlPlanePid] = second.pids;
    process.kill(controlPlanePid!, 'SIGKILL');
    await expect
      .poll(() => second.output(), { timeout: 30_000 })
      .toMatch(/ready: control plane restarted \(pid (\d+)\)/);
    const restartedPid = Number(/control plane restarted \(pid (\d+)\)/.exec(second.output())![1]);
    expect((await call(`${api}/health`)).status).toBe(200);
    expect((await call(`${api}/tenants/${tenantId}`, { token: await token(tenantId) })).status).toBe(200);

    await stop({ ...second, pids: [...second.pids.slice(1), restartedPid] });
  }, 180_000);

  it('attaches to emulators already running (npm run emulators) instead of starting its own', async () => {
    const emulators = launch({}, ['--emulators-only']);
    let emulatorOutput = '';
    emulators.stdout!.on('data', (chunk: Buffer) => (emulatorOutput += chunk.toString()));
    await expect.poll(() => emulatorOutput, { timeout: 60_000, interval: 200 }).toMatch(/ready: Azurite/);

    const attached = launch({ LOCAL_EMULATORS: 'attach' });
    let output = '';
    attached.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toMatch(/^ready: serving/m);
    expect(output).toContain('attached to services already running');
    expect((await call(`${api}/health`)).status).toBe(200);

    attached.kill('SIGINT');
    expect(await exited(attached)).toBe(0);
    emulators.kill('SIGINT');
    expect(await exited(emulators)).toBe(0);
  }, 120_000);

  it('stops with a clear error naming the port and the setting when a port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.LOCAL_COSMOS_PORT), '127.0.0.1', resolve));
    try {
      const child = launch();
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await exited(child)).toBe(1);
      expect(output).toContain(
        `Port ${env.LOCAL_COSMOS_PORT} (the Cosmos DB emulator) is in use. Set LOCAL_COSMOS_PORT to another port`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('stops with every bad setting named when the configuration is invalid', async () => {
    const child = launch({ CONTROL_PLANE_REGION: 'Not A Region', AUTH_JWKS_URI: 'nope' });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await exited(child)).toBe(1);
    expect(output).toContain('CONTROL_PLANE_REGION: "Not A Region" is invalid');
    expect(output).toContain('AUTH_JWKS_URI: "nope" is invalid');
  });
});
