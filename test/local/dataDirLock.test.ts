/**
 * One runtime per data folder: the lock names its holder, refuses a second taker while the holder
 * lives, is taken over once it is dead, is released only by its owner, and of processes racing
 * for a folder exactly one gets it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, dataDirHolder, lockDataDir, lockFileName } from '../../src/local/dataDirLock';

const root = join(__dirname, '..', '..');

/** The pid of a process that has ended (pids are not reused that quickly). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the data folder lock', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'clouddr-lock-'));
  });
  afterEach(async () => await rm(dataDir, { recursive: true, force: true }));
  const lockFile = () => join(dataDir, lockFileName);

  it('names its holder, refuses another while the holder lives, and is released by its owner only', async () => {
    // Another live process holds it (this test's parent, the test runner).
    await writeFile(lockFile(), JSON.stringify({ pid: process.ppid }));
    const refused = await lockDataDir(dataDir).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).holder.pid).toBe(process.ppid);
    expect((refused as DataDirLockedError).message).toContain(dataDir);
    expect(await dataDirHolder(dataDir)).toEqual({ pid: process.ppid });
    await rm(lockFile());

    const lock = await lockDataDir(dataDir);
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await dataDirHolder(dataDir)).toBeUndefined();

    // A lock someone else took meanwhile is not this process's to remove.
    const again = await lockDataDir(dataDir);
    await writeFile(lockFile(), JSON.stringify({ pid: process.ppid }));
    await again.release();
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toEqual({ pid: process.ppid });
  });

  it('is taken over from a holder that has died', async () => {
    const dead = await deadPid();
    await writeFile(lockFile(), JSON.stringify({ pid: dead, startedAt: new Date().toISOString() }));
    expect(await dataDirHolder(dataDir)).toBeUndefined();
    const lock = await lockDataDir(dataDir);
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('goes to exactly one of several processes racing for a stale lock', async () => {
    await writeFile(lockFile(), JSON.stringify({ pid: await deadPid() }));
    // All start at one moment, once loaded; the winner holds on until every racer has answered
    // (then the test ends it).
    const script = `
      const { lockDataDir } = require('./src/local/dataDirLock.ts');
      setTimeout(() => lockDataDir(process.argv[1]).then(
        () => { console.log('locked'); setInterval(() => {}, 1000); },
        (err) => console.log(err.constructor.name),
      ), Number(process.argv[2]) - Date.now());`;
    const at = String(Date.now() + 4_000);
    const racers = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script, dataDir, at], {
        cwd: root,
      });
      const racer = { child, output: '' };
      child.stdout.on('data', (chunk: Buffer) => (racer.output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (racer.output += chunk.toString()));
      return racer;
    });
    try {
      await expect
        .poll(() => racers.every((racer) => racer.output.includes('\n')), { timeout: 20_000, interval: 100 })
        .toBe(true);
    } finally {
      for (const { child } of racers) if (child.exitCode === null) child.kill('SIGKILL');
    }
    const outputs = racers.map((racer) => racer.output.trim());
    expect(
      outputs.filter((output) => output === 'locked'),
      outputs.join('\n'),
    ).toHaveLength(1);
    expect(
      outputs.filter((output) => output === 'DataDirLockedError'),
      outputs.join('\n'),
    ).toHaveLength(5);
  });
});
