/**
 * `npm run local:disks`: disks under the tenant's prefix with the documented options, its usage on
 * --help, bad arguments with the usage and exit code 2, and one line naming the fix, at once,
 * when nothing is running.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/local/emulators/freePort';
import { azuriteConnectionString, regionAccounts } from '../../src/local/localSettings';

const run = promisify(execFile);
const tsx = require.resolve('tsx/cli');

/** As a user runs it: the variables given to npm start only, none of the app settings. */
async function localDisks(variables: Record<string, string>, ...args: string[]) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'REGION_STORAGE' && !name.startsWith('LOCAL_')),
  );
  const started = Date.now();
  return await run(process.execPath, [tsx, 'scripts/localDisks.ts', ...args], {
    env: { ...inherited, ...variables },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr, ms: Date.now() - started }),
    (err: { code: number; stdout: string; stderr: string }) => ({ ...err, ms: Date.now() - started }),
  );
}

describe('npm run local:disks', () => {
  it('makes the disks under the tenant prefix, with --prefix and --sizeKiB', async () => {
    const emulators = inject('emulators');
    const tenant = randomUUID();
    const made = await localDisks(
      { LOCAL_BLOB_PORT: String(emulators.blob) },
      '--tenant',
      tenant,
      '--count',
      '2',
      '--prefix',
      'lab',
      '--sizeKiB',
      '4',
      '--policy',
      'gold',
    );
    expect(made.code, made.stderr).toBe(0);
    const { devices } = JSON.parse(made.stdout) as { devices: Record<string, any>[] };
    expect(devices.map((d) => [d.id, d.disk.blob, d.policyId, d.priorityTier])).toEqual([
      ['lab-0001', `${tenant}/lab-0001.vhd`, 'gold', 1],
      ['lab-0002', `${tenant}/lab-0002.vhd`, 'gold', 2],
    ]);
    const disks = BlobServiceClient.fromConnectionString(
      azuriteConnectionString(regionAccounts.westeurope!, { ...emulators, http: 0 }),
    ).getContainerClient('disks');
    const properties = await disks.getPageBlobClient(`${tenant}/lab-0002.vhd`).getProperties();
    expect(properties.contentLength).toBe(4096);
  });

  it('answers --help with every option, bad arguments with the usage and exit code 2', async () => {
    const help = await localDisks({}, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: npm run -s local:disks -- --tenant <tenant GUID>');
    for (const option of ['--tenant', '--count', '--policy', '--prefix', '--sizeKiB', 'LOCAL_BLOB_PORT'])
      expect(help.stdout).toContain(option);

    const bad = await localDisks({}, '--tenant', 'contoso', '--sizeKiB', '0.3', '--size', '4');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--size'");
    expect(bad.stderr).toContain('usage: npm run -s local:disks');
    const invalid = await localDisks({}, '--tenant', 'contoso', '--sizeKiB', '0.3');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--tenant must be the tenant id');
    expect(invalid.stderr).toContain('--sizeKiB must give a whole multiple of 512 bytes');
  });

  it('fails at once with one line naming the fix when the runtime is not running', async () => {
    const stopped = await localDisks({ LOCAL_BLOB_PORT: String(await freePort()) }, '--tenant', randomUUID());
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toBe('');
    expect(stopped.stderr.trim().split('\n')).toHaveLength(1);
    expect(stopped.stderr).toMatch(
      /nothing answers at .*: start the runtime first \(npm start\).*LOCAL_BLOB_PORT/,
    );
    expect(stopped.ms).toBeLessThan(10_000);
  });
});
