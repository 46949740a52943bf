/**
 * End to end: the `npm start` supervisor as a child process, on free ports and its own data
 * folder — ready and healthy, data kept across a clean restart, the control plane restarted after
 * a hard kill, a clear error for ports in use, SIGTERM to npm stopping everything, one runtime per
 * data folder, and no process left behind, even by a SIGKILLed supervisor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalSigningKey, signLocalToken } from '../../src/adapters/local-issuer/localIssuer';
import { freePort } from '../../src/local/emulators/freePort';
import { portsInUse, portsToOpen, readLocalRuntime } from '../../src/local/localRuntime';
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
  } catch {
    return false;
  }
  // An exited process nobody has reaped yet (an orphan's, when pid 1 does not reap) is gone too.
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && / Z /.test(readFileSync(stat, 'utf8').replace(/^.*\)/, ')')));
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

  async function start(child = launch()): Promise<Started> {
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

  it('stops with a clear error naming every port in use, each with the setting that moves it', async () => {
    const blockers: Server[] = [createServer(), createServer()];
    await new Promise<void>((resolve) =>
      blockers[0]!.listen(Number(env.LOCAL_COSMOS_PORT), '127.0.0.1', resolve),
    );
    await new Promise<void>((resolve) =>
      blockers[1]!.listen(Number(env.LOCAL_HTTP_PORT), '127.0.0.1', resolve),
    );
    try {
      const child = launch();
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await exited(child)).toBe(1);
      expect(output).toContain(
        `Port ${env.LOCAL_COSMOS_PORT} (the Cosmos DB emulator) is in use: set LOCAL_COSMOS_PORT to another port`,
      );
      expect(output).toContain(
        `Port ${env.LOCAL_HTTP_PORT} (the control plane) is in use: set LOCAL_HTTP_PORT to another port`,
      );
      // Nothing was started, and the data folder is free again.
      expect(output).not.toContain('starting Azurite');
      expect(existsSync(join(dataDir, 'runtime.lock'))).toBe(false);
    } finally {
      await Promise.all(blockers.map((blocker) => new Promise((resolve) => blocker.close(resolve))));
    }
  });

  it('stops everything on SIGTERM to npm, refuses a second runtime on its data folder, and leaves nothing behind a SIGKILLed supervisor', async () => {
    // package.json's own start script, run by npm, over the entry from source: npm runs it with
    // `sh -c`, which does not pass npm's SIGTERM on to what it started unless it execs it.
    const packageDir = await mkdtemp(join(tmpdir(), 'clouddr-npm-start-'));
    const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    await writeFile(
      join(packageDir, 'package.json'),
      JSON.stringify({ name: 'npm-start-under-test', private: true, scripts: { start: scripts['start'] } }),
    );
    const entry = join(packageDir, 'dist', 'src', 'local', 'main.js');
    await mkdir(join(entry, '..'), { recursive: true });
    await writeFile(
      entry,
      [
        `const root = ${JSON.stringify(root)};`,
        `const tsx = require.resolve('tsx/cjs', { paths: [root] });`,
        `process.chdir(root);`,
        `process.execArgv.push('--require', tsx);`,
        `require(tsx);`,
        `require(root + '/src/local/main.ts');`,
      ].join('\n'),
    );
    try {
      const npm = spawn('npm', ['start'], {
        cwd: packageDir,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.push(npm);
      const first = await start(npm);
      const supervisorPid = first.pids[3]!;

      // A second runtime on the same data folder, every port moved: refused, naming the folder and the holder.
      const second = launch({
        LOCAL_HTTP_PORT: String(await freePort()),
        LOCAL_BLOB_PORT: String(await freePort()),
        LOCAL_QUEUE_PORT: String(await freePort()),
        LOCAL_TABLE_PORT: String(await freePort()),
        LOCAL_COSMOS_PORT: String(await freePort()),
      });
      let refusal = '';
      second.stderr!.on('data', (chunk: Buffer) => (refusal += chunk.toString()));
      second.stdout!.on('data', (chunk: Buffer) => (refusal += chunk.toString()));
      expect(await exited(second)).toBe(1);
      expect(refusal).toContain(
        `The data folder ${dataDir} is in use by another runtime (pid ${supervisorPid}`,
      );
      expect(refusal).toMatch(/LOCAL_DATA_DIR=\S+-2 LOCAL_HTTP_PORT=\d+/);
      expect(refusal).not.toContain('starting Azurite');
      expect((await call(`${api}/health`)).status).toBe(200);

      // SIGTERM to npm's own pid: npm waits for the supervisor, which has stopped everything.
      npm.kill('SIGTERM');
      await exited(npm);
      expect(first.output()).toContain('[npm start] stopped');
      expect(isRunning(supervisorPid)).toBe(false);
      for (const pid of first.pids) await expect.poll(() => isRunning(pid), { timeout: 5_000 }).toBe(false);
      expect(existsSync(join(dataDir, 'runtime.lock'))).toBe(false);

      // A SIGKILLed supervisor: its children notice and stop by themselves, freeing their ports.
      const third = await start();
      process.kill(third.pids[3]!, 'SIGKILL');
      for (const pid of third.pids.slice(0, 3))
        await expect.poll(() => isRunning(pid), { timeout: 15_000, interval: 200 }).toBe(false);
      expect(await portsInUse(portsToOpen(readLocalRuntime({ ...process.env, ...env })))).toEqual([]);
    } finally {
      await rm(packageDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('stops with every bad setting named when the configuration is invalid', async () => {
    const child = launch({ CONTROL_PLANE_REGION: 'Not A Region', AUTH_JWKS_URI: 'nope' });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await exited(child)).toBe(1);
    expect(output).toContain('CONTROL_PLANE_REGION: "Not A Region" is invalid');
    expect(output).toContain('AUTH_JWKS_URI: "nope" is invalid');
  });
});
