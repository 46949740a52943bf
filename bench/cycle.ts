/**
 * One protection cycle through the product: the timer's use case (`scheduler.run`) on a controlled
 * clock at which every device is due, the registered queue worker behind the local queue host, and
 * the wait until every device has a verified restore point recorded, as the compliance summary
 * (and, to the millisecond, the worker's `rpo.protected` events) tell.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { services } from '../src/compositionRoot';
import { ensureErrorType } from '../src/domain/errors';
import type { Clock } from '../src/ports/Clock';
import type { EventLog } from '../src/ports/EventLog';
import type { LogHandler } from '../src/local/httpHost';
import { tagged } from './requestCounter';

/**
 * The business clock: held at `time` (the cycle sets it to the moment every device is due), or,
 * after `followSystemClock()`, the system's own time. Activations stamp some records on the
 * business clock and others on the wall clock (leases, wave starts and deadlines), so the
 * activation phase runs with the two equal.
 */
export class BenchClock implements Clock {
  private following = false;
  constructor(public time: number) {}
  now(): Date {
    return this.following ? new Date() : new Date(this.time);
  }
  followSystemClock(): void {
    this.following = true;
  }
}

/** When an event was first and last seen (performance.now()), and how many times. */
export interface EventTimes {
  first: number;
  last: number;
  count: number;
}

/**
 * The product's events, counted and timed; the first and the N-th device to become protected
 * (the cycle), the first and last recovered and the activation's end (the activation phase).
 */
export class EventRecorder implements EventLog {
  counts: Record<string, number> = {};
  /** `restore-point.retrying` and `.failed` by reason. */
  failures: Record<string, number> = {};
  firstProtectedAt: number | undefined;
  allProtectedAt: number | undefined;
  /** Tasks the activation drivers re-dispatched (`activation.redispatched`) since the last reset. */
  redispatchedTasks = 0;
  /** The first `recovery.failed` since the last reset: device and reason. */
  firstRecoveryFailure: string | undefined;
  /** Every event's times since the last reset. */
  times: Record<string, EventTimes> = {};
  private protectedDevices = new Set<string>();
  private expected = Number.POSITIVE_INFINITY;

  /** Distinct devices announced protected since the last reset. */
  get protectedCount(): number {
    return this.protectedDevices.size;
  }

  reset(expected = Number.POSITIVE_INFINITY): void {
    this.counts = {};
    this.failures = {};
    this.times = {};
    this.firstRecoveryFailure = undefined;
    this.redispatchedTasks = 0;
    this.firstProtectedAt = undefined;
    this.allProtectedAt = undefined;
    this.protectedDevices = new Set();
    this.expected = expected;
  }

  emit(event: string, properties: Record<string, string | number | boolean | undefined>): void {
    this.counts[event] = (this.counts[event] ?? 0) + 1;
    const at = performance.now();
    const seen = this.times[event];
    if (seen) {
      seen.last = at;
      seen.count += 1;
    } else this.times[event] = { first: at, last: at, count: 1 };
    if (event.startsWith('restore-point.')) {
      const key = `${event}:${String(properties['reason'] ?? 'unknown')}`;
      this.failures[key] = (this.failures[key] ?? 0) + 1;
    }
    if (event === 'activation.redispatched') this.redispatchedTasks += Number(properties['tasks'] ?? 0);
    if (event === 'recovery.failed')
      this.firstRecoveryFailure ??= `${String(properties['deviceId'])}: ${String(properties['reason'])}`;
    if (event !== 'rpo.protected') return;
    this.firstProtectedAt ??= at;
    this.protectedDevices.add(`${String(properties['tenantId'])}/${String(properties['deviceId'])}`);
    if (this.protectedDevices.size >= this.expected) this.allProtectedAt ??= at;
  }
}

/** What the queue host logs of the worker: outcomes per invocation, and any failure. */
export class WorkerLog {
  outcomes: Record<string, number> = {};
  problems = 0;
  firstProblem: string | undefined;

  reset(): void {
    this.outcomes = {};
    this.problems = 0;
    this.firstProblem = undefined;
  }

  readonly handler: LogHandler = (level, _functionName, message) => {
    if (level === 'error' || level === 'warning') {
      this.problems += 1;
      this.firstProblem ??= `${level}: ${message}`;
      return;
    }
    // "Restore point d@t (attempt n): recorded" — the worker's own summary of an invocation.
    const outcome = /\): ([a-z-]+)$/.exec(message)?.[1];
    if (outcome) this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  };
}

export interface CycleInput {
  tenantId: string;
  devices: number;
  clock: BenchClock;
  /** When every device is due. */
  dueAt: number;
  events: EventRecorder;
  timeoutMs: number;
}

/** The cycle ran out of time; `recorded` devices were done by then. */
export class CycleTimeoutError extends Error {
  constructor(
    readonly recorded: number,
    readonly devices: number,
    readonly elapsedMs: number,
  ) {
    super(
      `The cycle did not finish within ${(elapsedMs / 1000).toFixed(1)} s: ${recorded} of ${devices} devices recorded`,
    );
  }
}

/**
 * The completion check reads the compliance summary, which costs Cosmos requests (and, on the
 * embedded emulator, a scan of the tenant's partition): it is read once the worker's events say
 * every device is protected, and otherwise only every few seconds in case no events come.
 */
const fallbackSummaryPollMs = 5_000;
const confirmSummaryPollMs = 250;
const eventCheckMs = 50;

export interface CycleMeasurement {
  /** From the scheduler's start to the N-th device recorded. */
  wallMs: number;
  /** From the start to the first device recorded. */
  firstMs: number;
  /** How long `scheduler.run` took to dispatch every message. */
  schedulerMs: number;
  dispatched: number;
  /** Where the end came from: the worker's events (exact), or the summary poll (to its interval). */
  timedBy: 'events' | 'summary-poll';
  /** When the compliance summary was seen showing all N verified (polled sparingly: see above). */
  summaryAllVerifiedMs: number;
}

export async function runCycle(input: CycleInput): Promise<CycleMeasurement> {
  const { tenantId, devices, clock, events } = input;
  events.reset(devices);
  clock.time = input.dueAt;
  const started = performance.now();
  let schedulerError: Error | undefined;
  let schedulerMs = 0;
  let dispatched = 0;
  const scheduling = services()
    .scheduler.run(clock.now())
    .then(
      (run) => {
        schedulerMs = performance.now() - started;
        dispatched = run.dispatched;
      },
      (err: unknown) => {
        schedulerError = ensureErrorType(err);
      },
    );

  let firstPolledAt: number | undefined;
  let allPolledAt: number | undefined;
  let lastPolledAt = Number.NEGATIVE_INFINITY;
  let verified = 0;
  while (allPolledAt === undefined) {
    if (schedulerError !== undefined) throw schedulerError;
    const elapsed = performance.now() - started;
    if (elapsed > input.timeoutMs)
      throw new CycleTimeoutError(Math.max(verified, events.protectedCount), devices, elapsed);
    const eventsSayDone = events.allProtectedAt !== undefined;
    const pollEvery = eventsSayDone ? confirmSummaryPollMs : fallbackSummaryPollMs;
    if (performance.now() - lastPolledAt >= pollEvery) {
      const summary = await tagged('monitor', () => services().compliance.summary(tenantId));
      const now = performance.now();
      lastPolledAt = now;
      verified = summary.counts.protected + summary.counts['at-risk'] + summary.counts.breached;
      if (verified >= 1) firstPolledAt ??= now;
      if (verified >= devices) {
        allPolledAt = now;
        break;
      }
    }
    await sleep(eventCheckMs);
  }
  await scheduling;
  if (schedulerError !== undefined) throw schedulerError;

  const byEvents = events.allProtectedAt !== undefined && events.firstProtectedAt !== undefined;
  const end = byEvents ? Math.min(events.allProtectedAt!, allPolledAt) : allPolledAt;
  const first = byEvents ? Math.min(events.firstProtectedAt!, firstPolledAt ?? end) : (firstPolledAt ?? end);
  return {
    wallMs: end - started,
    firstMs: first - started,
    schedulerMs,
    dispatched,
    timedBy: byEvents ? 'events' : 'summary-poll',
    summaryAllVerifiedMs: allPolledAt - started,
  };
}
