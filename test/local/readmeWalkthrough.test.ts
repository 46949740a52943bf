/**
 * The README's walkthrough, literally: its bash blocks run in order in one bash, against the
 * runtime `npm start` runs (its supervisor, emulators and control plane as child processes), on
 * free ports and a data folder of its own — the moved ports set in the environment, as the README
 * tells a user whose ports are taken. Nothing is added to the commands but `set -euo pipefail`, so
 * a failing command (curl's `--fail-with-body`, a `wait_for` that gives up) fails the test. Then,
 * through the API and the backup region's storage: every device was recovered and then released,
 * no temporary device is left, and user1 was told each step.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalSigningKey, signLocalToken } from '../../src/adapters/local-issuer/localIssuer';
import { freePort } from '../../src/local/emulators/freePort';
import { LocalSettingNames } from '../../src/local/localSettingNames';
import { localAudience, localSettings, type LocalPorts } from '../../src/local/localSettings';
import { SettingNames } from '../../src/settingNames';
import { eventually } from '../support/eventually';
import { call } from '../support/http';
import { walkthroughBlocks } from '../support/readmeWalkthrough';

const root = join(__dirname, '..', '..');
/** The README's tenant and devices: `local:disks --count 3` makes cpc-0001..cpc-0003. */
const tenantId = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const devices = ['cpc-0001', 'cpc-0002', 'cpc-0003'];
/** The walkthrough waits at most 3 minutes at each of its three waits; this bounds it all. */
const scriptTimeoutMs = 9 * 60_000;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A user's shell: none of the app's settings set, the runtime's moved ports and folder set. */
function userEnvironment(dataDir: string, ports: LocalPorts): NodeJS.ProcessEnv {
  const appSettings = new Set<string>([...Object.values(SettingNames), ...Object.values(LocalSettingNames)]);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !appSettings.has(name.split('__')[0]!)),
  );
  return {
    ...env,
    [SettingNames.localDataDir]: dataDir,
    [LocalSettingNames.httpPort]: String(ports.http),
    [LocalSettingNames.blobPort]: String(ports.blob),
    [LocalSettingNames.queuePort]: String(ports.queue),
    [LocalSettingNames.tablePort]: String(ports.table),
    [LocalSettingNames.cosmosPort]: String(ports.cosmos),
  };
}

/** Runs a script with bash in the repository (where `npm run` finds the scripts), in its own process group. */
function runBash(file: string, env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', file], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A hung command must not outlive the test: the whole group (npm, tsx, curl) goes.
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), scriptTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the README's walkthrough on npm start", () => {
  let dataDir: string;
  let ports: LocalPorts;
  let runtime: ChildProcess;
  let runtimeOutput = '';
  let api: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'clouddr-walkthrough-'));
    ports = {
      http: await freePort(),
      blob: await freePort(),
      queue: await freePort(),
      table: await freePort(),
      cosmos: await freePort(),
    };
    api = `http://localhost:${ports.http}/api`;
    // The entry `npm start` runs, from source (tsx) so the test needs no build; with every
    // setting at its default, as a user's `npm start` has them.
    runtime = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/local/main.ts'], {
      cwd: root,
      env: userEnvironment(dataDir, ports),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (runtimeOutput = (runtimeOutput + chunk.toString()).slice(-50_000));
    runtime.stdout!.on('data', keep);
    runtime.stderr!.on('data', keep);
    await eventually(
      async () => runtimeOutput,
      (text) => /^ready: serving/m.test(text),
      { timeoutMs: 150_000, intervalMs: 200 },
    );
  }, 180_000);

  afterAll(async () => {
    if (runtime && runtime.exitCode === null) {
      runtime.kill('SIGINT');
      await new Promise((resolve) => runtime.once('exit', resolve));
    }
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('runs as written: every device recovered, then released, and its user told so', async () => {
    const blocks = walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const script = join(dataDir, 'walkthrough.sh');
    await writeFile(script, ['set -euo pipefail', ...blocks].join('\n'));

    const run = await runBash(script, userEnvironment(dataDir, ports));
    const report = `exit ${run.code}\n--- stdout\n${run.stdout.slice(-6_000)}\n--- stderr\n${run.stderr.slice(-6_000)}\n--- npm start\n${runtimeOutput.slice(-4_000)}`;
    expect(run.code, report).toBe(0);

    // What the walkthrough left, read with a token of the test's own.
    const token = await signLocalToken(await loadLocalSigningKey(dataDir), {
      issuer: `${api}/local-issuer`,
      audience: localAudience,
      tenantId,
      roles: ['DR.Reader'],
    });
    const tenantApi = `${api}/tenants/${tenantId}`;
    const activations = await call(`${tenantApi}/activations`, { token });
    expect(activations.status, activations.text).toBe(200);
    expect(activations.body.items).toHaveLength(1);
    const [activation] = activations.body.items;
    expect(activation.state).toBe('deactivated');
    expect(run.stdout).toContain(`activation ${activation.id}`);

    const rows = await call(`${tenantApi}/activations/${activation.id}/devices`, { token });
    expect(rows.status, rows.text).toBe(200);
    expect(rows.body.items.map((row: any) => row.deviceId).sort()).toEqual(devices);
    for (const row of rows.body.items) {
      // Recovered from a verified point of its own, then released by the deactivation.
      expect(row.restorePoint, JSON.stringify(row)).toMatch(new RegExp(`^${tenantId}/${row.deviceId}/`));
      expect(row.recoveredAt, JSON.stringify(row)).toBeDefined();
      expect(row.state, JSON.stringify(row)).toBe('released');
    }
    const report2 = await call(`${tenantApi}/activations/${activation.id}`, { token });
    expect(report2.body.counts).toMatchObject({ released: 3, skipped: 0, failed: 0 });
    expect(report2.body.percentComplete).toBe(100);

    // Nothing left of the temporary devices in the backup region.
    const storage = JSON.parse(localSettings(ports).REGION_STORAGE!) as Record<string, string>;
    const backup = BlobServiceClient.fromConnectionString(storage['northeurope']!);
    const left: string[] = [];
    for await (const blob of backup.getContainerClient('temporary-devices').listBlobsFlat())
      left.push(blob.name);
    expect(left).toEqual([]);

    // user1's dr-status, as the walkthrough printed it: on a temporary device, then normal.
    const statuses = [...run.stdout.matchAll(/^\{"upn":"user1@contoso\.test","status":"([a-z-]+)"/gm)].map(
      (m) => m[1],
    );
    expect(statuses, report).toEqual(['on-temporary-device', 'normal']);
  }, 600_000);
});
