/**
 * The ARM double (and, with the `memory` catalogue, the catalogue's Blob Storage stand-in) for a
 * `managed-cycle-arm` run: in this thread, or in a thread of its own (managedCycleArmWorker.ts).
 *
 * Why a thread: at 50,000 devices the cycle makes some 100 HTTPS requests per device, and serving
 * them (TLS, HTTP, the double's handlers) is about half the process's CPU; in one thread that is
 * time the control plane's handlers wait for, counted ×timeScale in simulated time. In Azure, ARM's
 * and Storage's work is not the control plane's. The clock is shared memory (the double's
 * `clockState`): both threads read the same simulated time synchronously; the rest is asked by
 * message, and the checks run where the double lives so only their answers cross.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { clockStateLength, simulatedNow } from '../test/support/arm/simulatedClock';
import {
  CONTROL_PLANE_PRINCIPAL,
  startArmDouble,
  type ArmDoubleOptions,
  type ArmDoubleStats,
  type SeedDisk,
} from '../test/support/arm/startArmDouble';
import { copyTimeline, type CopyTimeline } from './armCopyTimeline';
import { startCatalogueBlobDouble } from './catalogueBlobDouble';
import { liveSnapshots, perSlotCounts, type PerSlotCounts } from './managedCycleArmChecks';

export type CopyTimelineOptions = Parameters<typeof copyTimeline>[1];

export interface CycleDouble {
  ca: string;
  credential: TokenCredential;
  clientOptions(): { endpoint: string; tlsOptions: { ca: string } };
  /** The catalogue stand-in's connection string, when it was asked for. */
  catalogueConnectionString?: string;
  /** Simulated ms now. */
  clock(): number;
  advance(simulatedMs: number): void;
  /** Seeds the disks in order; their ARM ids. */
  seedDisks(seeds: SeedDisk[]): Promise<string[]>;
  writeToDisks(diskIds: string[], changedGiB: number): Promise<void>;
  stats(): Promise<ArmDoubleStats>;
  copyTimeline(o: CopyTimelineOptions): Promise<CopyTimeline>;
  perSlot(devices: number, slotsPerDevice: number): Promise<PerSlotCounts>;
  liveSnapshots(): Promise<{ sources: number; copies: number }>;
  close(): Promise<void>;
}

export interface CycleDoubleOptions {
  double: ArmDoubleOptions;
  threaded: boolean;
  /** The account the catalogue stand-in serves, when the catalogue is in memory. */
  catalogueAccount?: string;
}

export async function startCycleDouble(o: CycleDoubleOptions): Promise<CycleDouble> {
  return o.threaded ? await startInThread(o) : await startHere(o);
}

/** The methods a double offers either way, on the double itself. */
export async function cycleDoubleHere(o: CycleDoubleOptions) {
  const double = await startArmDouble(o.double);
  const catalogue = o.catalogueAccount ? await startCatalogueBlobDouble(o.catalogueAccount) : undefined;
  return {
    double,
    catalogue,
    methods: {
      seedDisks: async (seeds: SeedDisk[]) => {
        const ids: string[] = [];
        for (const seed of seeds) ids.push(await double.seedDisk(seed));
        return ids;
      },
      writeToDisks: (diskIds: string[], changedGiB: number) => {
        for (const id of diskIds) double.writeToDisk(id, changedGiB);
      },
      stats: () => double.stats(),
      copyTimeline: (timeline: CopyTimelineOptions) => copyTimeline(double, timeline),
      perSlot: (devices: number, slotsPerDevice: number) => perSlotCounts(double, devices, slotsPerDevice),
      liveSnapshots: () => liveSnapshots(double),
      token: async (principalId: string) => (await double.credentialFor(principalId).getToken([]))?.token,
      close: async () => {
        await catalogue?.close();
        await double.close();
      },
    },
  };
}

async function startHere(o: CycleDoubleOptions): Promise<CycleDouble> {
  const { double, catalogue, methods } = await cycleDoubleHere(o);
  return {
    ca: double.ca,
    credential: double.credential,
    clientOptions: () => double.clientOptions(),
    ...(catalogue ? { catalogueConnectionString: catalogue.connectionString } : {}),
    clock: () => double.clock(),
    advance: (ms) => double.advance(ms),
    seedDisks: methods.seedDisks,
    writeToDisks: async (ids, gib) => methods.writeToDisks(ids, gib),
    stats: async () => methods.stats(),
    copyTimeline: async (t) => methods.copyTimeline(t),
    perSlot: async (devices, slots) => methods.perSlot(devices, slots),
    liveSnapshots: async () => methods.liveSnapshots(),
    close: methods.close,
  };
}

export interface ThreadCall {
  id: number;
  method: string;
  args: unknown[];
}

export type ThreadReply = { id: number; result?: unknown; error?: string };

export interface ThreadReady {
  ready: { endpoint: string; ca: string; catalogueConnectionString?: string };
}

async function startInThread(o: CycleDoubleOptions): Promise<CycleDouble> {
  const timeScale = o.double.timeScale ?? 1;
  const state = new Float64Array(new SharedArrayBuffer(clockStateLength * Float64Array.BYTES_PER_ELEMENT));
  // The bench runs through tsx and is never compiled, so the thread loads TypeScript the same way.
  const worker = new Worker(join(__dirname, 'managedCycleArmWorker.ts'), {
    workerData: { ...o, double: { ...o.double, clockState: state } },
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
  const ready = new Promise<ThreadReady['ready']>((resolve, reject) => {
    worker.on('message', (message: ThreadReply | ThreadReady) => {
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
  const { endpoint, ca, catalogueConnectionString } = await ready;
  let token: Promise<string> | undefined;
  const credential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({
      token: await (token ??= ask<string>('token', CONTROL_PLANE_PRINCIPAL)),
      expiresOnTimestamp: Date.now() + 3_600_000,
      tokenType: 'Bearer',
    }),
  };
  return {
    ca,
    credential,
    clientOptions: () => ({ endpoint, tlsOptions: { ca } }),
    ...(catalogueConnectionString ? { catalogueConnectionString } : {}),
    clock: () => simulatedNow(state, timeScale),
    advance: (simulatedMs) => {
      if (!(simulatedMs >= 0))
        throw new RangeError(`advance takes a non-negative duration, got ${simulatedMs}`);
      state[2] = state[2]! + simulatedMs;
    },
    seedDisks: (seeds) => ask('seedDisks', seeds),
    writeToDisks: (ids, gib) => ask('writeToDisks', ids, gib),
    stats: () => ask('stats'),
    copyTimeline: (t) => ask('copyTimeline', t),
    perSlot: (devices, slots) => ask('perSlot', devices, slots),
    liveSnapshots: () => ask('liveSnapshots'),
    async close() {
      if (!failure) await ask('close').catch(() => undefined);
      await worker.terminate();
    },
  };
}
