/**
 * The embedded runtime's storage for one benchmark run, each in its own process as under
 * `npm start`: Azurite (in memory, one account per simulated region) and the embedded Cosmos DB
 * emulator (`src/local/emulators/cosmosEmulatorProcess.ts`, run through tsx). Every child started
 * here is killed when the run ends, when this process exits, or on `killChildrenNow()` (signals).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../src/local/emulators/freePort';
import { startAzurite, stopChild } from '../src/local/emulators/startAzurite';
import type { LocalPorts } from '../src/local/localSettings';

export interface Emulators {
  ports: Omit<LocalPorts, 'http'>;
  azurite: ChildProcess;
  cosmos: ChildProcess;
  /** Stops both; safe to call more than once. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running, synchronously: for `exit` and signal handlers. */
export function killChildrenNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function adopt(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killChildrenNow);
  }
}

/**
 * Starts Azurite and the Cosmos emulator on free ports; `dataDir` holds the emulator's export file.
 * A port found free may be taken by another process before a child binds it (tests run files in
 * parallel): then it starts again on fresh ports, up to three times.
 */
export async function startEmulators(dataDir: string): Promise<Emulators> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmulatorsOnce(dataDir);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function startEmulatorsOnce(dataDir: string): Promise<Emulators> {
  const ports = {
    blob: await freePort(),
    queue: await freePort(),
    table: await freePort(),
    cosmos: await freePort(),
  };
  const azurite = await startAzurite({ ports });
  adopt(azurite.process);
  let cosmos: ChildProcess;
  try {
    cosmos = await startCosmosProcess(ports.cosmos, join(dataDir, 'cosmos.json'));
  } catch (err) {
    await azurite.stop();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    ports,
    azurite: azurite.process,
    cosmos,
    stop() {
      // The emulator exports its data on a clean stop; nothing here needs keeping, so it is killed.
      stopped ??= Promise.all([azurite.stop(), stopChild(cosmos, 0)]).then(() => undefined);
      return stopped;
    },
  };
}

function startCosmosProcess(port: number, exportFile: string): Promise<ChildProcess> {
  const script = join(__dirname, '..', 'src', 'local', 'emulators', 'cosmosEmulatorProcess.ts');
  const child = fork(script, [String(port), exportFile], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  adopt(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The Cosmos DB emulator did not start within 60 s: ${stderr.trim()}`));
    }, 60_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `The Cosmos DB emulator exited during start-up (${signal ?? `code ${code}`}): ${stderr.trim()}`,
        ),
      );
    });
  });
}

/** Peak resident set size (VmHWM) of a process in KiB, from /proc; undefined where /proc is not there. */
export function peakRssKiB(pid: number | 'self'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak RSS to its current RSS (Linux: `5` into /proc/<pid>/clear_refs), so the
 * next reading is the peak of one phase. False where that is not possible; the peak then covers
 * the process's life so far.
 */
export function resetPeakRss(pid: number | 'self'): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms: /proc/<pid>/stat for a child (in
 * clock ticks of 1/100 s, Linux's USER_HZ), `process.cpuUsage()` for this process.
 */
export function cpuTimeMs(pid: number | 'self'): number | undefined {
  if (pid === 'self') {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Steal time so far, in ms summed over the machine's cores: CPU time the hypervisor gave to other
 * guests while this one wanted to run (/proc/stat's eighth value, in 1/100 s). On a shared host a
 * phase that was stolen from runs slower for it, which no figure of ours would otherwise show.
 */
export function machineStealMs(): number | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.split(/\s+/);
    const ticks = Number(cpu[8]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
