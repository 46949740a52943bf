/**
 * Drives managed-disk protection cycles through the product's own parts — the disk source
 * (ArmDiskSource: the snapshot PUT) and the restore-point store (ManagedDiskRestorePointStore:
 * startCopy, until copied, verify, markVerified, releaseSource, prune) — in the order
 * RestorePointWorker sequences them for a managed disk, without Cosmos DB or a queue. Each device
 * is one message chain, at most `concurrency` handled at once (the queue host's
 * maxConcurrentCalls), and the worker's reactions are kept:
 * - a new slot: the snapshot PUT (only its submission: start–record–check), recorded, and the
 *   copy first asked for `snapshotCheckDelay` later;
 * - `pending`: looked at again after `copyCheckDelay` (the worker's own function: a copy waiting
 *   for a CopyStart slot after `slotWaitCheckDelay`, its grant's wake-up arriving first; a running
 *   one half way to its expected end, within the bounds; anything else after `checkDelay`);
 * - `failed` (or a refused verification): the point removed and the slot retried with the
 *   worker's back-off; a thrown error: retried likewise; after `maxAttempts`, given up (abandoned);
 * - a message older than the step the slot was taken up with (a check its wake-up overtook):
 *   dropped; a message for a device another handler holds: sent again after `checkDelay`;
 * - copied and verified: recorded, the released sources deleted, retention pruned.
 * Delays are given in simulated ms (the ARM double's time) and divided by `timeScale` when a
 * message is scheduled; the store's clock is the double's, so a copy's pace and its timeout are
 * simulated too.
 *
 * Left out on purpose: the device record in Cosmos DB (here a record in memory, its lease a busy
 * flag), the queue's own latency and redelivery timing, and the scope and tenant reads — none draws
 * on ARM's limits in Azure, and on this machine their emulators would set the pace (bench/README.md).
 */
import { copyCheckDelay, type CopyCheckDelays } from '../src/app/copyCheckDelay';
import { backoffDelay, type RandomSource } from '../src/domain/backoff';
import type { DiskSnapshot, ManagedDiskRef } from '../src/domain/disk';
import { ensureErrorType } from '../src/domain/errors';
import { restorePointName } from '../src/domain/restorePoint';
import { pointsToPrune, type RetentionPolicy } from '../src/domain/retention';
import type { SlotWake } from '../src/ports/CopySlots';
import type { DiskSource } from '../src/ports/DiskSource';
import type { RestorePointStore, RestorePointTarget } from '../src/ports/RestorePointStore';
import type { WorkQueue } from '../src/ports/WorkQueue';
import { QueueNames } from '../src/queueNames';
import { DueQueue } from './dueQueue';

export interface DriverDevice {
  tenantId: string;
  deviceId: string;
  primaryRegion: string;
  backupRegion: string;
  disk: ManagedDiskRef;
  /** The tenant's resource groups in the backup region (the worker's `placement`). */
  backupResourceGroups: readonly string[];
}

/** RestorePointWorker's timings, in simulated ms. */
export interface WorkerDelays extends CopyCheckDelays {
  snapshotCheckDelayInMs: number;
  retryBaseDelayInMs: number;
  retryMaxDelayInMs: number;
  maxAttempts: number;
}

export interface ManagedCycleDriverOptions {
  devices: readonly DriverDevice[];
  disks: DiskSource;
  points: RestorePointStore;
  retention: RetentionPolicy;
  delays: WorkerDelays;
  /** Handlers at once. */
  concurrency: number;
  /** Simulated ms per real ms: every delay is divided by it. */
  timeScale: number;
  /** The ARM double's clock, simulated ms. */
  simulatedNow: () => number;
  random?: RandomSource;
  /** Deliveries of one message before it is dead-lettered (the queue's maxDeliveryCount). */
  maxDeliveries?: number;
}

/** One message of a device's chain: the worker's RestorePointRequest, by device index. */
export interface CycleMessage {
  device: number;
  takenAt: number;
  attempt: number;
  check: number;
  /** Deliveries so far of this very message (a handler that threw is delivered again). */
  delivery: number;
}

export type DriverOutcome =
  | 'recorded'
  | 'already-recorded'
  | 'skipped'
  | 'busy'
  | 'snapshot-submitted'
  | 'waiting-slot'
  | 'copying'
  | 'retrying'
  | 'given-up'
  | 'threw';

export interface CycleProgress {
  recorded: number;
  givenUp: number;
  inFlight: number;
  queued: number;
  handled: number;
  /** Messages handled since the last report, and how late the latest of them started (simulated s). */
  recentHandled: number;
  recentLatenessSeconds: number;
  outcomes: Partial<Record<DriverOutcome, number>>;
}

export interface CycleRun {
  /** Simulated ms when the cycle's messages were sent. */
  startedAt: number;
  /** Simulated ms each device's point was recorded (undefined: given up, or not by the timeout). */
  recordedAt: (number | undefined)[];
  givenUp: number[];
  timedOut: boolean;
  realSeconds: number;
  outcomes: Partial<Record<DriverOutcome, number>>;
  /** Thrown errors and failed states, by their first 120 characters. */
  problems: Record<string, number>;
  /** How late handlers started after their message was due, simulated seconds. */
  lateness: { p50: number; p99: number; max: number };
  maxBusy: number;
  /** Share of the handlers' capacity that was busy. */
  busyShare: number;
  /** How long a handler was held, by what it came to (simulated seconds: the mean and the total). */
  heldBy: Partial<Record<DriverOutcome, { count: number; meanSeconds: number; totalSeconds: number }>>;
}

interface DeviceState {
  lastVerifiedAt?: number;
  pending?: { takenAt: number; snapshot: DiskSnapshot; step: { attempt: number; check: number } };
  /** Another handler holds the device (the worker's lease on its slot). */
  busy: boolean;
}

/** The worker's check number of a slot grant's wake-up: beyond any chain of checks. */
const wakeCheck = 1_000_000;

export class ManagedCycleDriver {
  private readonly state: DeviceState[];
  private readonly due = new DueQueue<CycleMessage>();
  private readonly random: RandomSource;
  private readonly maxDeliveries: number;
  private cycle: {
    recordedAt: (number | undefined)[];
    givenUp: Set<number>;
    settled: number;
    outcomes: Partial<Record<DriverOutcome, number>>;
    problems: Record<string, number>;
    lateMs: number[];
    heldMs: Partial<Record<DriverOutcome, { count: number; ms: number }>>;
  } = newCycle(0);
  private inFlight = 0;
  private wake: (() => void) | undefined;

  /** Where the copy-slot scheduler sends a grant's wake-up: into the chain of its device, due now. */
  readonly queue: WorkQueue = {
    send: async (_queue, messages, options) => {
      for (const message of messages) this.push(message.body as CycleMessage, options?.delayInMs ?? 0);
      this.nudge();
    },
  };

  constructor(private readonly o: ManagedCycleDriverOptions) {
    this.state = o.devices.map(() => ({ busy: false }));
    this.random = o.random ?? Math.random;
    this.maxDeliveries = o.maxDeliveries ?? 10;
  }

  /**
   * One cycle: every device's slot `takenAt` due at once (as the timer's dispatch sends them),
   * until each is recorded or given up and no handler runs, or `timeoutInMs` real ms pass.
   */
  async runCycle(
    takenAt: Date,
    run: { timeoutInMs: number; progress?: (p: CycleProgress) => void; progressEveryInMs?: number },
  ): Promise<CycleRun> {
    const devices = this.o.devices.length;
    this.cycle = newCycle(devices);
    this.due.clear();
    const startedAt = this.o.simulatedNow();
    const began = performance.now();
    for (let device = 0; device < devices; device += 1)
      this.due.push(began, { device, takenAt: takenAt.getTime(), attempt: 1, check: 0, delivery: 1 });
    const running = new Set<Promise<void>>();
    let maxBusy = 0;
    let busyMs = 0;
    let handled = 0;
    let timedOut = false;
    const progressEvery = run.progressEveryInMs ?? 15_000;
    let lastProgress = began;
    let handledAtProgress = 0;
    while (this.cycle.settled < devices || this.inFlight > 0) {
      const now = performance.now();
      if (now - began > run.timeoutInMs) {
        timedOut = true;
        break;
      }
      if (run.progress && now - lastProgress >= progressEvery) {
        lastProgress = now;
        run.progress({
          recorded: this.cycle.settled - this.cycle.givenUp.size,
          givenUp: this.cycle.givenUp.size,
          inFlight: this.inFlight,
          queued: this.due.size,
          handled,
          recentHandled: handled - handledAtProgress,
          recentLatenessSeconds: ((this.cycle.lateMs.at(-1) ?? 0) * this.o.timeScale) / 1000,
          outcomes: { ...this.cycle.outcomes },
        });
        handledAtProgress = handled;
      }
      if (this.inFlight < this.o.concurrency && this.cycle.settled < devices) {
        const dueAt = this.due.nextDue();
        const message = this.due.popDue(now);
        if (message) {
          this.cycle.lateMs.push(now - dueAt!);
          this.inFlight += 1;
          handled += 1;
          maxBusy = Math.max(maxBusy, this.inFlight);
          const start = performance.now();
          const p: Promise<void> = this.deliver(message).finally(() => {
            busyMs += performance.now() - start;
            this.inFlight -= 1;
            running.delete(p);
            this.nudge();
          });
          running.add(p);
          continue;
        }
      }
      // Wait for a handler to end, a message to come due or a wake-up to be sent.
      const next = this.due.nextDue();
      const waitMs =
        this.inFlight < this.o.concurrency && next !== undefined ? Math.max(0, next - now) : progressEvery;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            this.wake = undefined;
            resolve();
          },
          Math.min(waitMs, progressEvery),
        );
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await Promise.allSettled([...running]);
    const realSeconds = (performance.now() - began) / 1000;
    // What is left are checks of devices already recorded (each would be dropped unhandled).
    this.due.clear();
    const late = this.cycle.lateMs.sort((a, b) => a - b);
    const at = (q: number) =>
      ((late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? 0) * this.o.timeScale) / 1000;
    return {
      startedAt,
      recordedAt: this.cycle.recordedAt,
      givenUp: [...this.cycle.givenUp],
      timedOut,
      realSeconds,
      outcomes: this.cycle.outcomes,
      problems: this.cycle.problems,
      lateness: { p50: at(0.5), p99: at(0.99), max: at(1) },
      maxBusy,
      busyShare: busyMs / (realSeconds * 1000 * this.o.concurrency),
      heldBy: Object.fromEntries(
        Object.entries(this.cycle.heldMs).map(([outcome, { count, ms }]) => {
          const total = (ms * this.o.timeScale) / 1000;
          return [outcome, { count, meanSeconds: total / count, totalSeconds: total }];
        }),
      ),
    };
  }

  /** The devices whose slot is still pending (a cycle that ran out of time), with their step. */
  pendingDevices(limit = 5): { device: string; takenAt: string; step: unknown; busy: boolean }[] {
    const out = [];
    for (let i = 0; i < this.state.length && out.length < limit; i += 1) {
      const s = this.state[i]!;
      if (s.pending)
        out.push({
          device: this.o.devices[i]!.deviceId,
          takenAt: new Date(s.pending.takenAt).toISOString(),
          step: s.pending.step,
          busy: s.busy,
        });
    }
    return out;
  }

  private async deliver(message: CycleMessage): Promise<void> {
    const start = performance.now();
    let outcome: DriverOutcome;
    try {
      outcome = await this.handle(message);
    } catch (err) {
      // The worker threw (a release or prune after the record, a store read): the queue delivers
      // the message again, and after maxDeliveryCount dead-letters it.
      outcome = 'threw';
      this.problem(`threw: ${ensureErrorType(err).message}`);
      if (message.delivery < this.maxDeliveries)
        this.push({ ...message, delivery: message.delivery + 1 }, this.o.delays.checkDelayInMs);
      else this.settle(message.device, 'given-up');
    }
    this.cycle.outcomes[outcome] = (this.cycle.outcomes[outcome] ?? 0) + 1;
    const held = (this.cycle.heldMs[outcome] ??= { count: 0, ms: 0 });
    held.count += 1;
    held.ms += performance.now() - start;
  }

  private async handle(m: CycleMessage): Promise<DriverOutcome> {
    const d = this.state[m.device]!;
    if (d.pending?.takenAt === m.takenAt && isBefore(m, d.pending.step)) return 'skipped';
    if (d.lastVerifiedAt !== undefined && d.lastVerifiedAt >= m.takenAt) return 'already-recorded';
    if (d.busy) {
      this.send({ ...m, check: m.check + 1 }, this.o.delays.checkDelayInMs);
      return 'busy';
    }
    d.busy = true;
    try {
      const device = this.o.devices[m.device]!;
      if (d.pending && d.pending.takenAt > m.takenAt) return 'skipped';
      if (d.pending && d.pending.takenAt < m.takenAt) await this.abandon(m.device);
      if (!d.pending) {
        let snapshot: DiskSnapshot;
        try {
          snapshot = await this.o.disks.snapshot(device.primaryRegion, device.disk, {
            tenantId: device.tenantId,
            deviceId: device.deviceId,
            takenAt: new Date(m.takenAt),
          });
        } catch (err) {
          return await this.retry(m, 'snapshot-failed', err);
        }
        d.pending = { takenAt: m.takenAt, snapshot, step: { attempt: m.attempt, check: m.check } };
        // Start–record–check: the create runs on in ARM; the copy step reads whether it succeeded.
        this.send({ ...m, check: m.check + 1 }, this.o.delays.snapshotCheckDelayInMs);
        return 'snapshot-submitted';
      }
      d.pending.step = { attempt: m.attempt, check: m.check };
      return await this.work(m, d.pending.snapshot);
    } finally {
      d.busy = false;
    }
  }

  private async work(m: CycleMessage, snapshot: DiskSnapshot): Promise<DriverOutcome> {
    const device = this.o.devices[m.device]!;
    const points = this.o.points;
    const target = this.target(m, true);
    const name = restorePointName(device.tenantId, device.deviceId, target.takenAt);
    let status;
    try {
      status = await points.startCopy(snapshot, target);
    } catch (err) {
      return await this.retry(m, 'copy-failed', err);
    }
    switch (status.state) {
      case 'pending':
        this.send({ ...m, check: m.check + 1 }, copyCheckDelay(status, this.o.delays));
        return status.waiting === 'copy-slot' ? 'waiting-slot' : 'copying';
      case 'failed':
        await points.remove(target.region, name);
        return await this.retry(m, 'copy-failed', new Error(status.reason));
      case 'verified':
        return await this.finish(m, snapshot, target);
      case 'copied': {
        let verdict;
        try {
          verdict = await points.verify(snapshot, target);
        } catch (err) {
          return await this.retry(m, 'verification-failed', err);
        }
        if (!verdict.ok) {
          await points.remove(target.region, name);
          return await this.retry(m, 'verification-failed', new Error(verdict.reason));
        }
        await points.markVerified(target, verdict.hash);
        return await this.finish(m, snapshot, target);
      }
    }
  }

  private async finish(
    m: CycleMessage,
    snapshot: DiskSnapshot,
    target: RestorePointTarget,
  ): Promise<DriverOutcome> {
    const d = this.state[m.device]!;
    const device = this.o.devices[m.device]!;
    d.lastVerifiedAt = m.takenAt;
    d.pending = undefined;
    this.settle(m.device, 'recorded');
    for (const released of await this.o.points.releaseSource(snapshot, target))
      await this.deleteSnapshot(released);
    const points = await this.o.points.list(device.backupRegion, device.tenantId, device.deviceId);
    for (const point of pointsToPrune(points, this.o.retention))
      await this.o.points.remove(point.region, point.name);
    return 'recorded';
  }

  private async retry(m: CycleMessage, reason: string, err: unknown): Promise<DriverOutcome> {
    this.problem(`${reason}: ${ensureErrorType(err).message}`);
    if (m.attempt >= this.o.delays.maxAttempts) {
      if (this.state[m.device]!.pending?.takenAt === m.takenAt) await this.abandon(m.device);
      this.settle(m.device, 'given-up');
      return 'given-up';
    }
    const delay = backoffDelay(
      m.attempt,
      { baseInMs: this.o.delays.retryBaseDelayInMs, maxInMs: this.o.delays.retryMaxDelayInMs },
      this.random,
    );
    this.send({ ...m, attempt: m.attempt + 1, check: 0 }, delay);
    return 'retrying';
  }

  /** Gives the slot's work up: its unverified point, its copy's slot requests and its snapshot go. */
  private async abandon(index: number): Promise<void> {
    const d = this.state[index]!;
    const device = this.o.devices[index]!;
    const pending = d.pending;
    if (!pending) return;
    const points = this.o.points;
    const target = this.target(
      { device: index, takenAt: pending.takenAt, ...pending.step, delivery: 1 },
      false,
    );
    const name = restorePointName(device.tenantId, device.deviceId, target.takenAt);
    const existing = (await points.list(device.backupRegion, device.tenantId, device.deviceId)).find(
      (p) => p.name === name,
    );
    if (existing && !existing.verified) await points.remove(existing.region, name);
    if (!existing?.verified && points.closeCopy) await points.closeCopy(target);
    await this.deleteSnapshot(pending.snapshot);
    d.pending = undefined;
  }

  /** A snapshot left behind costs storage, not data: counted, not fatal (as the worker reports it). */
  private async deleteSnapshot(snapshot: DiskSnapshot): Promise<void> {
    try {
      await this.o.disks.deleteSnapshot(snapshot);
    } catch (err) {
      this.problem(`snapshot-cleanup-failed: ${ensureErrorType(err).message}`);
    }
  }

  private target(m: CycleMessage, withWake: boolean): RestorePointTarget {
    const device = this.o.devices[m.device]!;
    return {
      region: device.backupRegion,
      tenantId: device.tenantId,
      deviceId: device.deviceId,
      takenAt: new Date(m.takenAt),
      kind: 'scheduled',
      backupResourceGroups: device.backupResourceGroups,
      ...(withWake ? { slotWake: this.slotWake(m) } : {}),
    };
  }

  /** The message a grant of this attempt's CopyStart slot sends, ahead of the chain's own checks. */
  private slotWake(m: CycleMessage): SlotWake {
    const body: CycleMessage = { ...m, check: Math.max(m.check + 1, wakeCheck), delivery: 1 };
    const device = this.o.devices[m.device]!;
    return {
      queue: QueueNames.restorePoints,
      id: `rp:${device.tenantId}:${device.deviceId}:${m.takenAt}:${m.attempt}:${body.check}`,
      body,
    };
  }

  private settle(index: number, how: 'recorded' | 'given-up'): void {
    if (this.cycle.recordedAt[index] !== undefined || this.cycle.givenUp.has(index)) return;
    if (how === 'recorded') this.cycle.recordedAt[index] = this.o.simulatedNow();
    else this.cycle.givenUp.add(index);
    this.cycle.settled += 1;
  }

  /** A message of the chain, `simulatedDelayInMs` from now. */
  private send(message: CycleMessage, simulatedDelayInMs: number): void {
    this.push({ ...message, delivery: 1 }, simulatedDelayInMs);
  }

  private push(message: CycleMessage, simulatedDelayInMs: number): void {
    this.due.push(performance.now() + simulatedDelayInMs / this.o.timeScale, message);
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private problem(text: string): void {
    const key = text.slice(0, 120);
    this.cycle.problems[key] = (this.cycle.problems[key] ?? 0) + 1;
  }
}

function newCycle(devices: number) {
  return {
    recordedAt: new Array<number | undefined>(devices).fill(undefined),
    givenUp: new Set<number>(),
    settled: 0,
    outcomes: {},
    problems: {},
    lateMs: [] as number[],
    heldMs: {} as Partial<Record<DriverOutcome, { count: number; ms: number }>>,
  };
}

/** Whether the message comes before the step the slot was taken up with (RestorePointWorker's rule). */
function isBefore(m: CycleMessage, step: { attempt: number; check: number }): boolean {
  return m.attempt < step.attempt || (m.attempt === step.attempt && m.check < step.check);
}
