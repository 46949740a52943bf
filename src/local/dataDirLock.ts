/**
 * One runtime per data folder. Two supervisors on one folder would each run an Azurite over the same
 * files and each export the Cosmos emulator to the same `cosmos.json`, the last export winning:
 * the lock file `runtime.lock` in the folder names the holder's pid and is created atomically (a
 * complete file linked into place, so it is never seen half-written); a lock whose holder is no
 * longer alive (a SIGKILLed supervisor) is taken over.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const lockFileName = 'runtime.lock';

export interface LockHolder {
  pid: number;
  startedAt?: string;
}

export interface DataDirLock {
  file: string;
  /** Removes the lock if it is still this process's; safe to call twice. */
  release(): Promise<void>;
  /** The same, synchronously, for a process `exit` handler. */
  releaseSync(): void;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    super(`The data folder ${dataDir} is in use by another runtime (pid ${holder.pid}; lock ${file})`);
  }
}

/** Takes the data folder's lock, or throws DataDirLockedError naming the live holder. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, lockFileName);
  const content = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  const mine = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(mine, content);
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await link(mine, file);
        return ownLock(file, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = await readRaw(file);
      if (held === undefined) continue; // released meanwhile: try again
      const holder = parseHolder(held);
      if (holder && isAlive(holder.pid)) throw new DataDirLockedError(dataDir, file, holder);
      if (attempt >= 50)
        throw new Error(`Could not take over the stale lock ${file}; delete it and start again`);
      await takeOverStale(file, held);
    }
  } finally {
    await rm(mine, { force: true });
  }
}

/** The live holder of the folder's lock, if any (for the checks before a build). */
export async function dataDirHolder(dataDir: string): Promise<LockHolder | undefined> {
  const held = await readRaw(join(dataDir, lockFileName));
  const holder = held === undefined ? undefined : parseHolder(held);
  return holder && isAlive(holder.pid) ? holder : undefined;
}

/**
 * Removes a stale lock, under a guard file so that two takers cannot both remove it and one of
 * them remove the other's fresh lock: only the guard's holder removes the lock, and only if it
 * still holds the stale content it judged. A guard left by a taker that died is old after 10 s.
 */
async function takeOverStale(file: string, stale: string): Promise<void> {
  const guard = `${file}.takeover`;
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const since = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (since > 10_000) await rm(guard, { force: true });
    await new Promise((resolveLater) => setTimeout(resolveLater, 50));
    return;
  }
  try {
    if ((await readRaw(file)) === stale) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

function ownLock(file: string, content: string): DataDirLock {
  let released = false;
  const stillMine = (held: string | undefined) => held === content;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      if (stillMine(await readRaw(file))) await unlink(file).catch(() => undefined);
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        if (stillMine(readFileSync(file, 'utf8'))) unlinkSync(file);
      } catch {
        // gone already
      }
    },
  };
}

async function readRaw(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0
      ? { pid: parsed.pid, ...(typeof parsed.startedAt === 'string' ? { startedAt: parsed.startedAt } : {}) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (this process's own pid counts as gone: a pid reused after a restart). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
