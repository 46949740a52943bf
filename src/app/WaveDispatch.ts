/**
 * The activation driver's dispatch steps: a wave's start and end, its planned tasks sent to the
 * `device-recovery` queue page by page (a deactivation's releases the same way), and the progress
 * the driver polls while the queue's workers move the tasks.
 */
import type { Activation, WaveRecord } from '../domain/activation';
import {
  countIn,
  recoveryStates,
  settledStates,
  type RecoveryState,
  type RecoveryTask,
  type WaveCounts,
} from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import type { Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';
import type { WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
import type { ActivationDriverInput } from './activationOrchestrations';
import type { ActivationStepSettings } from './activationStepSettings';
import type { AuditTrail } from './AuditTrail';
import { activationTarget } from './auditTargets';
import type { DriverLease, Stale } from './DriverLease';
import { mapConcurrently } from './mapConcurrently';
import { recordStepAudit } from './recordStepAudit';
import { recoveryMessageId, type RecoveryMessage } from './recoveryMessage';

export interface DriverProgress {
  stale?: false;
  state: Activation['state'];
  total: number;
  settled: number;
  waveTotal?: number;
  waveSettled?: number;
  /** Tasks still to release (deactivation). */
  releasing: number;
  /** Tasks of an older epoch sent again by this poll. */
  redispatched?: number;
  counts: Partial<Record<RecoveryState, number>>;
}

export interface WaveDispatchDependencies {
  lease: DriverLease;
  store: ActivationStore;
  queue: WorkQueue;
  events: EventLog;
  audit: AuditTrail;
  clock: Clock;
}

/** States of tasks a message is on its way to move: an adopter sends those messages again. */
const inFlight: Record<RecoveryMessage['kind'], readonly RecoveryState[]> = {
  recover: ['queued', 'provisioning', 'waiting-for-capacity'],
  release: ['releasing'],
};

/** Every state a task can be released from: anything not already released or skipped. */
const releasable: readonly RecoveryState[] = [
  'planned',
  'queued',
  'provisioning',
  'waiting-for-capacity',
  'recovered',
  'failed',
  'cancelled',
];

/** Messages per queue send. */
const sendBatch = 500;

export class WaveDispatch {
  constructor(
    private readonly deps: WaveDispatchDependencies,
    private readonly settings: ActivationStepSettings,
  ) {}

  /** The first wave after `after` with tasks still to dispatch; none once stopped or exhausted. */
  async nextWave(
    input: ActivationDriverInput,
    after: number,
  ): Promise<Stale | { stale?: false; wave?: number; stopped: boolean }> {
    const activation = await this.deps.lease.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'recovering') return { stopped: true };
    const counts = await this.deps.store.counts(input.activationId);
    const waves = Object.keys(counts)
      .map(Number)
      .filter((w) => w > after && countIn(counts, ['planned'], w) > 0)
      .sort((a, b) => a - b);
    return waves.length > 0 ? { wave: waves[0]!, stopped: false } : { stopped: false };
  }

  /** Records the wave's start and deadline, once: a replay finds the same deadline. */
  async startWave(
    input: ActivationDriverInput,
    wave: number,
  ): Promise<Stale | { stale?: false; deadlineAt: string }> {
    let started = false;
    const activation = await this.deps.lease.update(input, (a) => {
      started = false;
      if (a.waves.some((w) => w.wave === wave)) return undefined;
      started = true;
      const now = this.settings.wallClock.now();
      const record: WaveRecord = {
        wave,
        startedAt: now.toISOString(),
        deadlineAt: new Date(now.getTime() + a.waveDeadlineMinutes * 60_000).toISOString(),
      };
      return { ...a, waves: [...a.waves, record] };
    });
    if (!activation) return { stale: true };
    const { deadlineAt } = activation.waves.find((w) => w.wave === wave)!;
    if (started) {
      await recordStepAudit(
        this.deps.audit,
        this.settings.auditWaitInMs,
        input.tenantId,
        'activation.wave-dispatched',
        activationTarget(input.tenantId, input.activationId),
        {
          outcome: 'succeeded',
          detail: `wave ${wave}, deadline ${deadlineAt}`,
          correlationId: input.activationId,
        },
      );
    }
    return { deadlineAt };
  }

  /**
   * Sends one page of the wave's planned tasks to the recovery queue and marks them queued. The
   * messages go first: a crash between the two re-sends them (the worker is idempotent) rather
   * than leaving a queued task that no message will ever move.
   */
  async dispatchPage(
    input: ActivationDriverInput,
    wave: number,
  ): Promise<Stale | { stale?: false; dispatched: number; stopped: boolean }> {
    const activation = await this.deps.lease.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'recovering') return { dispatched: 0, stopped: true };
    const tasks = await this.deps.store.tasksIn(input.activationId, ['planned'], this.settings.pageSize, {
      wave,
    });
    // The first list is recovered in the order it was given.
    const order = new Map(activation.recoverFirst.map((id, index) => [id, index]));
    tasks.sort((a, b) => (order.get(a.deviceId) ?? 0) - (order.get(b.deviceId) ?? 0));
    if (tasks.length === 0) return { dispatched: 0, stopped: false };
    await this.send(
      tasks.map((task) => ({ task, kind: 'recover' as const })),
      input.epoch,
    );
    const now = this.nowIso();
    await mapConcurrently(tasks, this.settings.concurrency, (task) =>
      this.deps.store.moveTask(task, {
        state: 'queued',
        dispatch: task.dispatch + 1,
        epoch: input.epoch,
        dispatchedAt: now,
        updatedAt: now,
      }),
    );
    return { dispatched: tasks.length, stopped: false };
  }

  /**
   * Counts for the driver's wait, and its custom status; renews the lease while it waits. It also
   * re-dispatches one page of tasks in flight under an older epoch: after an adoption, the messages
   * that would move them sat in the old region's queues, which no region replicates.
   */
  async progress(input: ActivationDriverInput, wave?: number): Promise<Stale | DriverProgress> {
    const activation = await this.deps.lease.own(input);
    if (!activation) return { stale: true };
    const redispatched = await this.redispatch(activation, input.epoch);
    const counts = await this.deps.store.counts(input.activationId);
    return { ...summarise(activation, counts, wave), redispatched };
  }

  async endWave(
    input: ActivationDriverInput,
    wave: number,
    outcome: NonNullable<WaveRecord['outcome']>,
  ): Promise<Stale | { stale?: false }> {
    const activation = await this.deps.lease.update(input, (a) => {
      const record = a.waves.find((w) => w.wave === wave);
      if (!record || record.endedAt) return undefined;
      const ended: WaveRecord = { ...record, endedAt: this.settings.wallClock.now().toISOString(), outcome };
      return { ...a, waves: a.waves.map((w) => (w.wave === wave ? ended : w)) };
    });
    return activation ? {} : { stale: true };
  }

  /** Deactivation: sends one page of tasks to be released and marks them releasing. */
  async releasePage(input: ActivationDriverInput): Promise<Stale | { stale?: false; released: number }> {
    const activation = await this.deps.lease.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'deactivating') return { released: 0 };
    const tasks = await this.deps.store.tasksIn(input.activationId, releasable, this.settings.pageSize);
    if (tasks.length === 0) return { released: 0 };
    await this.send(
      tasks.map((task) => ({ task, kind: 'release' as const })),
      input.epoch,
    );
    const now = this.nowIso();
    await mapConcurrently(tasks, this.settings.concurrency, (task) =>
      this.deps.store.moveTask(task, {
        state: 'releasing',
        dispatch: task.dispatch + 1,
        epoch: input.epoch,
        updatedAt: now,
      }),
    );
    return { released: tasks.length };
  }

  private async redispatch(activation: Activation, epoch: number): Promise<number> {
    const kind: RecoveryMessage['kind'] = activation.state === 'deactivating' ? 'release' : 'recover';
    if (activation.state !== 'recovering' && kind === 'recover') return 0;
    const tasks = await this.deps.store.tasksIn(activation.id, inFlight[kind], this.settings.pageSize, {
      dispatchedBeforeEpoch: epoch,
    });
    if (tasks.length === 0) return 0;
    await this.send(
      tasks.map((task) => ({ task, kind })),
      epoch,
    );
    const now = this.nowIso();
    await mapConcurrently(tasks, this.settings.concurrency, (task) =>
      this.deps.store.moveTask(task, {
        state: task.state,
        dispatch: task.dispatch + 1,
        epoch,
        updatedAt: now,
      }),
    );
    this.deps.events.emit('activation.redispatched', {
      tenantId: activation.tenantId,
      activationId: activation.id,
      epoch,
      tasks: tasks.length,
    });
    return tasks.length;
  }

  private async send(
    items: { task: RecoveryTask; kind: RecoveryMessage['kind'] }[],
    epoch: number,
  ): Promise<void> {
    const messages = items.map(({ task, kind }) => {
      const body: RecoveryMessage = {
        kind,
        tenantId: task.tenantId,
        activationId: task.activationId,
        deviceId: task.deviceId,
        dispatch: task.dispatch + 1,
        epoch,
        seq: 0,
      };
      return { id: recoveryMessageId(body), body, properties: { kind, activationId: task.activationId } };
    });
    for (let i = 0; i < messages.length; i += sendBatch) {
      await this.deps.queue.send(QueueNames.deviceRecovery, messages.slice(i, i + sendBatch));
    }
  }

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }
}

function summarise(activation: Activation, counts: WaveCounts, wave?: number): DriverProgress {
  const progress: DriverProgress = {
    state: activation.state,
    total: countIn(counts, recoveryStates),
    settled: countIn(counts, settledStates),
    releasing: countIn(counts, ['releasing']),
    counts: Object.fromEntries(
      recoveryStates
        .map((s): [RecoveryState, number] => [s, countIn(counts, [s])])
        .filter(([, n]) => n !== 0),
    ),
  };
  if (wave !== undefined) {
    progress.waveTotal = countIn(counts, recoveryStates, wave);
    progress.waveSettled = countIn(counts, settledStates, wave);
  }
  return progress;
}
