/**
 * Drives a fleet's recovery through a ComputeProvider the way the product does, without Cosmos DB
 * or a queue: each device is one message chain, handled by at most `concurrency` handlers at once
 * (the queue host's maxConcurrentCalls), and RecoveryWorker's reactions to each answer —
 * `provisioning`: check again after `checkDelayInMs`; `failed` or a thrown error: retry with its
 * back-off until `maxAttempts`; `CapacityUnavailableError`: wait with the capacity back-off;
 * `ready`: recovered. Delays are real milliseconds (the caller scales them to the ARM double's
 * clock); the messages all start due at once, as one wave's dispatch sends them.
 *
 * What it leaves out, on purpose: the worker's Cosmos reads and writes and the queue's own latency
 * (what they cost is the other benchmarks' subject, and in Azure they do not draw on ARM's limits).
 */
import { backoffDelay, type RandomSource } from '../src/domain/backoff';
import { ensureErrorType } from '../src/domain/errors';
import {
  CapacityUnavailableError,
  type ComputeProvider,
  type TemporaryDeviceRequest,
} from '../src/ports/ComputeProvider';

export interface RecoveryDriverOptions {
  concurrency: number;
  checkDelayInMs: number;
  retryBaseDelayInMs: number;
  retryMaxDelayInMs: number;
  capacityBaseDelayInMs: number;
  capacityMaxDelayInMs: number;
  maxAttempts: number;
  random?: RandomSource;
  /** The ARM double's simulated ms now: each device's outcome is stamped with it. */
  simulatedNow(): number;
  /** Stop waiting after this many real ms (the devices not settled are reported as such). */
  timeoutInMs: number;
  /** Called every `progressEveryInMs` real ms with the counts so far. */
  progress?: (counts: DriverCounts) => void;
  progressEveryInMs?: number;
}

export interface DeviceOutcome {
  state: 'ready' | 'failed' | 'unsettled';
  /** Simulated ms of the answer that settled it. */
  settledAt?: number;
  ensures: number;
  capacityWaits: number;
  retries: number;
  reason?: string;
}

export interface DriverCounts {
  ready: number;
  failed: number;
  inFlight: number;
  waiting: number;
  ensures: number;
}

export interface DriverResult {
  outcomes: DeviceOutcome[];
  /** Simulated ms when the first handler started. */
  startedAt: number;
  timedOut: boolean;
  counts: DriverCounts;
  /** Thrown errors and failed states, by their first 120 characters. */
  problems: Record<string, number>;
  /** The most handlers busy at once, and how long (real ms) handlers were busy in total. */
  maxBusy: number;
  busyMs: number;
  realSeconds: number;
}

/** A binary min-heap of (due real ms, device index). */
class DueHeap {
  private readonly items: [number, number][] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): [number, number] | undefined {
    return this.items[0];
  }
  push(due: number, index: number): void {
    const a = this.items;
    a.push([due, index]);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]![0] <= a[i]![0]) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): [number, number] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]![0] < a[m]![0]) m = l;
        if (r < a.length && a[r]![0] < a[m]![0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

export async function driveRecovery(
  provider: ComputeProvider,
  requests: readonly TemporaryDeviceRequest[],
  o: RecoveryDriverOptions,
): Promise<DriverResult> {
  const random = o.random ?? Math.random;
  const outcomes: DeviceOutcome[] = requests.map(() => ({
    state: 'unsettled',
    ensures: 0,
    capacityWaits: 0,
    retries: 0,
  }));
  const problems: Record<string, number> = {};
  const heap = new DueHeap();
  const began = performance.now();
  for (let i = 0; i < requests.length; i += 1) heap.push(began, i);
  const counts: DriverCounts = { ready: 0, failed: 0, inFlight: 0, waiting: requests.length, ensures: 0 };
  let maxBusy = 0;
  let busyMs = 0;
  const startedAt = o.simulatedNow();
  let wake: (() => void) | undefined;
  const nudge = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const problem = (text: string) => {
    const key = text.slice(0, 120);
    problems[key] = (problems[key] ?? 0) + 1;
  };

  const retryOrFail = (index: number, outcome: DeviceOutcome, reason: string) => {
    problem(reason);
    outcome.retries += 1;
    if (outcome.retries >= o.maxAttempts) {
      outcome.state = 'failed';
      outcome.reason = reason;
      outcome.settledAt = o.simulatedNow();
      counts.failed += 1;
      return;
    }
    heap.push(
      performance.now() +
        backoffDelay(
          outcome.retries,
          { baseInMs: o.retryBaseDelayInMs, maxInMs: o.retryMaxDelayInMs },
          random,
        ),
      index,
    );
  };

  const handle = async (index: number) => {
    const outcome = outcomes[index]!;
    const handlerStart = performance.now();
    outcome.ensures += 1;
    counts.ensures += 1;
    try {
      const state = await provider.ensureTemporaryDevice(requests[index]!);
      if (state.state === 'ready') {
        outcome.state = 'ready';
        outcome.settledAt = o.simulatedNow();
        counts.ready += 1;
      } else if (state.state === 'provisioning') {
        heap.push(performance.now() + o.checkDelayInMs, index);
      } else {
        retryOrFail(index, outcome, state.reason);
      }
    } catch (err) {
      if (err instanceof CapacityUnavailableError) {
        outcome.capacityWaits += 1;
        problem(`${err.kind}: ${err.message}`);
        heap.push(
          performance.now() +
            backoffDelay(
              outcome.capacityWaits,
              { baseInMs: o.capacityBaseDelayInMs, maxInMs: o.capacityMaxDelayInMs },
              random,
            ),
          index,
        );
      } else retryOrFail(index, outcome, ensureErrorType(err).message);
    } finally {
      busyMs += performance.now() - handlerStart;
      counts.inFlight -= 1;
      nudge();
    }
  };

  const progressEvery = o.progressEveryInMs ?? 10_000;
  let lastProgress = began;
  let timedOut = false;
  const running = new Set<Promise<void>>();
  while (heap.size > 0 || counts.inFlight > 0) {
    const now = performance.now();
    if (now - began > o.timeoutInMs) {
      timedOut = true;
      break;
    }
    if (o.progress && now - lastProgress >= progressEvery) {
      lastProgress = now;
      o.progress({ ...counts, waiting: heap.size });
    }
    const top = heap.peek();
    if (top && top[0] <= now && counts.inFlight < o.concurrency) {
      heap.pop();
      counts.inFlight += 1;
      maxBusy = Math.max(maxBusy, counts.inFlight);
      const p: Promise<void> = handle(top[1]).finally(() => running.delete(p));
      running.add(p);
      continue;
    }
    // Wait for a handler to end or the next message to come due, whichever is first.
    const waitMs = top && counts.inFlight < o.concurrency ? Math.max(0, top[0] - now) : progressEvery;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          wake = undefined;
          resolve();
        },
        Math.min(waitMs, progressEvery),
      );
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  await Promise.allSettled([...running]);
  counts.waiting = heap.size;
  return {
    outcomes,
    startedAt,
    timedOut,
    counts,
    problems,
    maxBusy,
    busyMs,
    realSeconds: (performance.now() - began) / 1000,
  };
}
