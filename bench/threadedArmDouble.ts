/**
 * The ARM double in a thread of its own, for the `recovery-arm` benchmark (bench/armDoubleWorker.ts).
 *
 * Why: in one thread, every request the double serves (a group's listing is megabytes of JSON at
 * 50,000 devices) is time the control plane's event loop does not have, and counts ×timeScale
 * against the RTO measured. In Azure, ARM's work is not the control plane's. In its own thread the
 * double has its own event loop (and, on a shared machine, its own share of the CPU).
 *
 * The clock is shared memory (simulatedClock.ts): this thread reads the same simulated time
 * synchronously — the pacer and the provider read it on every call — and moves it on with
 * `advance`. Everything else is asked by message.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { clockStateLength, simulatedNow } from '../test/support/arm/simulatedClock';
import type {
  ArmDoubleOptions,
  ArmDoubleStats,
  DiskView,
  NicView,
  SeedDisk,
  VmView,
} from '../test/support/arm/startArmDouble';
import { CONTROL_PLANE_PRINCIPAL } from '../test/support/arm/startArmDouble';

export interface ThreadCall {
  id: number;
  method: string;
  args: unknown[];
}

export type ThreadReply = { id: number; result?: unknown; error?: string };

export interface ThreadedArmDouble {
  endpoint: string;
  ca: string;
  timeScale: number;
  /** The control plane's principal. */
  credential: TokenCredential;
  credentialFor(principalId: string): TokenCredential;
  clientOptions(): { endpoint: string; tlsOptions: { ca: string } };
  /** Simulated ms now: read from the shared clock, without a message. */
  clock(): number;
  advance(simulatedMs: number): void;
  stats(): Promise<ArmDoubleStats>;
  vms(): Promise<VmView[]>;
  disks(): Promise<DiskView[]>;
  nics(): Promise<NicView[]>;
  seedSubnet(subnetId: string, region: string): Promise<void>;
  /** Seeds each disk (and its VM), in order; their ARM ids. */
  seedDisks(seeds: SeedDisk[]): Promise<string[]>;
  close(): Promise<void>;
}

export async function startThreadedArmDouble(options: ArmDoubleOptions): Promise<ThreadedArmDouble> {
  const timeScale = options.timeScale;
  if (timeScale === undefined) throw new RangeError('A threaded double needs its time scale');
  const state = new Float64Array(new SharedArrayBuffer(clockStateLength * Float64Array.BYTES_PER_ELEMENT));
  // The bench runs through tsx and is never compiled, so the thread loads TypeScript the same way.
  const worker = new Worker(join(__dirname, 'armDoubleWorker.ts'), {
    workerData: { ...options, clockState: state },
    execArgv: ['--require', require.resolve('tsx/cjs')],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const call of pending.values()) call.reject(err);
    pending.clear();
  };
  const ready = new Promise<{ endpoint: string; ca: string }>((resolve, reject) => {
    worker.on('message', (message: ThreadReply | { ready: { endpoint: string; ca: string } }) => {
      if ('ready' in message) return resolve(message.ready);
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(`ARM double thread: ${message.error}`));
      else call?.resolve(message.result);
    });
    worker.on('error', (err) => {
      fail(err);
      reject(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`The ARM double's thread exited (code ${code})`);
      fail(err);
      reject(err);
    });
  });
  const ask = <T>(method: string, ...args: unknown[]): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = (nextId += 1);
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies ThreadCall);
    });
  };
  const { endpoint, ca } = await ready;
  const credentialFor = (principalId: string): TokenCredential => {
    let token: Promise<string> | undefined;
    return {
      getToken: async (): Promise<AccessToken> => ({
        token: await (token ??= ask<string>('token', principalId)),
        expiresOnTimestamp: Date.now() + 3_600_000,
        tokenType: 'Bearer',
      }),
    };
  };
  return {
    endpoint,
    ca,
    timeScale,
    credential: credentialFor(CONTROL_PLANE_PRINCIPAL),
    credentialFor,
    clientOptions: () => ({ endpoint, tlsOptions: { ca } }),
    clock: () => simulatedNow(state, timeScale),
    advance: (simulatedMs) => {
      if (!(simulatedMs >= 0))
        throw new RangeError(`advance takes a non-negative duration, got ${simulatedMs}`);
      state[2] = state[2]! + simulatedMs;
    },
    stats: () => ask('stats'),
    vms: () => ask('vms'),
    disks: () => ask('disks'),
    nics: () => ask('nics'),
    seedSubnet: (subnetId, region) => ask('seedSubnet', subnetId, region),
    seedDisks: (seeds) => ask('seedDisks', seeds),
    async close() {
      if (!failure) await ask('close').catch(() => undefined);
      await worker.terminate();
    },
  };
}
