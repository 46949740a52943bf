/**
 * `npm start` itself (its prestart): every port in use, and another runtime on the data folder, are
 * reported at once, before the build — not one at a time, each after a build.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/emulators/freePort';

const root = join(__dirname, '..', '..');

/** `npm start` in the repository, ended (its whole process group) if it runs past the bound. */
async function npmStart(
  variables: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, ...variables },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const bound = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  clearTimeout(bound);
  return { code, output, ms: Date.now() - started };
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe('npm start, before it builds', () => {
  let dataDir: string;
  let variables: Record<string, string>;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'clouddr-checks-'));
    variables = {
      LOCAL_DATA_DIR: dataDir,
      LOCAL_HTTP_PORT: String(await freePort()),
      LOCAL_BLOB_PORT: String(await freePort()),
      LOCAL_QUEUE_PORT: String(await freePort()),
      LOCAL_TABLE_PORT: String(await freePort()),
      LOCAL_COSMOS_PORT: String(await freePort()),
    };
  });
  afterEach(async () => await rm(dataDir, { recursive: true, force: true }));

  it('names every port in use at once, each with the setting that moves it, without building', async () => {
    const blockers = await Promise.all([
      listen(Number(variables.LOCAL_HTTP_PORT)),
      listen(Number(variables.LOCAL_QUEUE_PORT)),
    ]);
    try {
      const { code, output, ms } = await npmStart(variables);
      expect(code, output).not.toBe(0);
      expect(output).toContain(
        `Port ${variables.LOCAL_HTTP_PORT} (the control plane) is in use: set LOCAL_HTTP_PORT to another port`,
      );
      expect(output).toContain(
        `Port ${variables.LOCAL_QUEUE_PORT} (Azurite queue) is in use: set LOCAL_QUEUE_PORT to another port`,
      );
      expect(output).toMatch(/For example: export LOCAL_HTTP_PORT=\d+ LOCAL_QUEUE_PORT=\d+; npm start/);
      expect(output).toContain('npm run token');
      expect(output).not.toContain('tsc -p');
      expect(ms).toBeLessThan(15_000);
    } finally {
      await Promise.all(blockers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it('refuses a data folder another runtime holds, naming it, its pid and how to run a second one', async () => {
    // This test process stands for the runtime holding the folder.
    await writeFile(join(dataDir, 'runtime.lock'), JSON.stringify({ pid: process.pid }));
    const { code, output } = await npmStart(variables);
    expect(code, output).not.toBe(0);
    expect(output).toContain(`The data folder ${dataDir} is in use by another runtime (pid ${process.pid}`);
    expect(output).toMatch(/LOCAL_DATA_DIR=\S+-2 LOCAL_HTTP_PORT=\d+ .* npm start/);
    expect(output).not.toContain('tsc -p');
  });
});
