/** Runs Azurite (blob, queue, table) as a child process with the regions' accounts (see azuriteProcess). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { extname, join } from 'node:path';
import { azuriteAccountsVariable, type LocalPorts, type StorageAccount } from '../localSettings';
import { waitForPort } from './waitForPort';

export interface AzuriteOptions {
  ports: Pick<LocalPorts, 'blob' | 'queue' | 'table'>;
  /** Folder for Azurite's data and metadata; without one, data lives in memory only (tests). */
  location?: string;
  /** Accounts beyond the regions' and the development one (tests give each worker its own). */
  extraAccounts?: readonly StorageAccount[];
}

export interface RunningProcess {
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startAzurite(options: AzuriteOptions): Promise<RunningProcess> {
  if (options.location) await mkdir(options.location, { recursive: true });
  // Run from TypeScript (tests, benchmarks), the entry needs tsx's loader; built, plain Node.
  const loader = extname(__filename) === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
  const args = [
    `--max-old-space-size=${azuriteHeapMiB()}`,
    ...loader,
    join(__dirname, `azuriteProcess${extname(__filename)}`),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(options.ports.blob),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(options.ports.queue),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(options.ports.table),
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, AZURITE_ACCOUNTS: azuriteAccountsVariable(options.extraAccounts) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // If this process ends without stopping Azurite (an error, a closed pipe), Azurite goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Azurite exited with code ${code}: ${stderr.trim()}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([
    Promise.all(
      [options.ports.blob, options.ports.queue, options.ports.table].map((port) => waitForPort(port, 30_000)),
    ),
    exited,
  ]);
  return { process: child, stop: () => stopChild(child) };
}

/**
 * Azurite keeps every blob's and message's metadata in its JavaScript heap (in-memory Loki): its
 * RSS reached 1.8 GiB with 10,000 devices in the benchmark and 5.2 GiB with 50,000, past Node's
 * default heap limit (about 4 GiB). Half the machine's memory, at least that default. The blobs' bytes live
 * outside the heap, in Azurite's extent store (its own limit, also half the memory).
 */
function azuriteHeapMiB(): number {
  return Math.max(4096, Math.floor(totalmem() / 2 / 2 ** 20));
}

/** SIGTERM, then SIGKILL if the process has not gone after a few seconds. */
export function stopChild(child: ChildProcess, graceInMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceInMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
