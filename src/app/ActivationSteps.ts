/**
 * The steps the activation and deactivation drivers take, one activity each. Every step first
 * proves its driver still owns the activation (same region, same epoch) and renews the lease, so a
 * driver that stalled past its lease and was adopted stops here instead of acting as a zombie.
 * Every step is idempotent: an activity retried or replayed after a crash changes nothing twice.
 */
import { describeScope, waveOf, type Activation, type WaveRecord } from '../domain/activation';
import type { Device } from '../domain/device';
import { ConflictError } from '../domain/errors';
import {
  countIn,
  recoveryStates,
  recoveryTaskId,
  settledStates,
  type RecoveryState,
  type RecoveryTask,
  type SkipReason,
  type WaveCounts,
} from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import { systemClock, type Clock } from '../ports/Clock';
import type { DeviceStore } from '../ports/DeviceStore';
import type { EventLog } from '../ports/EventLog';
import type { TenantStore } from '../ports/TenantStore';
import { anyScopeContains, type DiskScope } from '../domain/diskScope';
import type { WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
import type { ActivationDriverInput } from './activationOrchestrations';
import { mapConcurrently } from './mapConcurrently';
import { recoveryMessageId, type RecoveryMessage } from './recoveryMessage';
import type { AuditTrail } from './AuditTrail';
import { activationTarget } from './auditTargets';
import { waitAtMost } from './waitAtMost';

/** Where planning goes on from: the first list by position, then the scope's pages. */
export interface PlanCursor {
  phase: 'first' | 'scope';
  /** Position in the first list or the device list; for tiers, the tier's position. */
  index: number;
  continuationToken?: string;
}

export type Stale = { stale: true };

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

export interface ActivationStepsOptions {
  leaseInMs: number;
  /** Devices per planning, dispatch or release activity (the architecture's bound: 1,000). */
  pageSize?: number;
  /** Store calls in flight within one activity. */
  concurrency?: number;
  /**
   * Leases and wave deadlines run on wall-clock time, as the drivers' durable timers do; the
   * business clock stamps what happened. Defaults to the system clock.
   */
  wallClock?: Clock;
  /**
   * How long a step waits for its audit record before it goes on (the write carries on). Default
   * 2 s: a table that answers takes milliseconds; one that does not must not hold up the driver.
   */
  auditWaitInMs?: number;
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

export class ActivationSteps {
  private readonly pageSize: number;
  private readonly concurrency: number;
  private readonly wallClock: Clock;
  private readonly auditWaitInMs: number;

  constructor(
    private readonly store: ActivationStore,
    private readonly devices: DeviceStore,
    private readonly tenants: TenantStore,
    private readonly queue: WorkQueue,
    private readonly events: EventLog,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly options: ActivationStepsOptions,
  ) {
    this.pageSize = options.pageSize ?? 1_000;
    this.concurrency = options.concurrency ?? 16;
    this.wallClock = options.wallClock ?? systemClock;
    this.auditWaitInMs = options.auditWaitInMs ?? 2_000;
  }

  /** Creates the tasks of one page of the scope; `done` once the scope is exhausted. */
  async planPage(
    input: ActivationDriverInput,
    cursor: PlanCursor = { phase: 'first', index: 0 },
  ): Promise<Stale | { stale?: false; done: false; cursor: PlanCursor } | { stale?: false; done: true }> {
    const activation = await this.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'planning') return { done: true };
    if (cursor.phase === 'first' && cursor.index === 0) {
      await this.recordAudit(
        input.tenantId,
        'activation.started',
        activationTarget(input.tenantId, input.activationId),
        {
          outcome: 'succeeded',
          detail: `scope ${describeScope(activation.scope)}; driven from ${this.region}`,
          correlationId: input.activationId,
        },
      );
    }
    const first = new Set(activation.recoverFirst);
    let candidates: { id: string; device: Device | undefined }[];
    let next: PlanCursor | undefined;
    if (cursor.phase === 'first') {
      const ids = activation.recoverFirst.slice(cursor.index, cursor.index + this.pageSize);
      candidates = await this.read(activation.tenantId, ids);
      next =
        cursor.index + ids.length < activation.recoverFirst.length
          ? { phase: 'first', index: cursor.index + ids.length }
          : { phase: 'scope', index: 0 };
    } else {
      ({ candidates, next } = await this.scopePage(activation, cursor));
      candidates = candidates.filter((c) => !first.has(c.id));
    }
    const tasks = await this.planTasks(activation, candidates, first);
    await this.store.addTasks(tasks);
    if (next) return { done: false, cursor: next };
    await this.update(input, (a) =>
      a.state === 'planning' ? { ...a, state: 'recovering', plannedAt: this.nowIso() } : undefined,
    );
    return { done: true };
  }

  /** The first wave after `after` with tasks still to dispatch; none once stopped or exhausted. */
  async nextWave(
    input: ActivationDriverInput,
    after: number,
  ): Promise<Stale | { stale?: false; wave?: number; stopped: boolean }> {
    const activation = await this.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'recovering') return { stopped: true };
    const counts = await this.store.counts(input.activationId);
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
    const activation = await this.update(input, (a) => {
      started = false;
      if (a.waves.some((w) => w.wave === wave)) return undefined;
      started = true;
      const now = this.wallClock.now();
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
      await this.recordAudit(
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
    const activation = await this.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'recovering') return { dispatched: 0, stopped: true };
    const tasks = await this.store.tasksIn(input.activationId, ['planned'], this.pageSize, { wave });
    // The first list is recovered in the order it was given.
    const order = new Map(activation.recoverFirst.map((id, index) => [id, index]));
    tasks.sort((a, b) => (order.get(a.deviceId) ?? 0) - (order.get(b.deviceId) ?? 0));
    if (tasks.length === 0) return { dispatched: 0, stopped: false };
    await this.send(
      tasks.map((task) => ({ task, kind: 'recover' as const })),
      input.epoch,
    );
    const now = this.nowIso();
    await mapConcurrently(tasks, this.concurrency, (task) =>
      this.store.moveTask(task, {
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
    const activation = await this.own(input);
    if (!activation) return { stale: true };
    const redispatched = await this.redispatch(activation, input.epoch);
    const counts = await this.store.counts(input.activationId);
    return { ...summarise(activation, counts, wave), redispatched };
  }

  async endWave(
    input: ActivationDriverInput,
    wave: number,
    outcome: NonNullable<WaveRecord['outcome']>,
  ): Promise<Stale | { stale?: false }> {
    const activation = await this.update(input, (a) => {
      const record = a.waves.find((w) => w.wave === wave);
      if (!record || record.endedAt) return undefined;
      const ended: WaveRecord = { ...record, endedAt: this.wallClock.now().toISOString(), outcome };
      return { ...a, waves: a.waves.map((w) => (w.wave === wave ? ended : w)) };
    });
    return activation ? {} : { stale: true };
  }

  /**
   * Ends the activation: completed with its measured RTO, or, if cancelled, with the tasks never
   * dispatched marked cancelled (one page per call; `more` while some remain).
   */
  async finish(input: ActivationDriverInput): Promise<Stale | { stale?: false; more: boolean }> {
    const activation = await this.own(input);
    if (!activation) return { stale: true };
    if (activation.state === 'cancelled') {
      const planned = await this.store.tasksIn(input.activationId, ['planned'], this.pageSize);
      const now = this.nowIso();
      await mapConcurrently(planned, this.concurrency, (task) =>
        this.store.moveTask(task, { state: 'cancelled', reason: 'activation cancelled', updatedAt: now }),
      );
      return { more: planned.length > 0 };
    }
    if (activation.state !== 'recovering') return { more: false };
    const lastRecoveredAt = await this.store.lastRecoveredAt(input.activationId);
    const done = await this.update(input, (a) =>
      a.state === 'recovering'
        ? {
            ...a,
            state: 'completed',
            completedAt: this.nowIso(),
            ...(lastRecoveredAt ? { lastRecoveredAt } : {}),
          }
        : undefined,
    );
    if (!done) return { stale: true };
    const counts = await this.store.counts(input.activationId);
    this.events.emit('activation.completed', {
      tenantId: input.tenantId,
      activationId: input.activationId,
      recovered: countIn(counts, ['recovered']),
      failed: countIn(counts, ['failed']),
      skipped: countIn(counts, ['skipped']),
      rtoSeconds: lastRecoveredAt
        ? (Date.parse(lastRecoveredAt) - Date.parse(activation.requestedAt)) / 1000
        : undefined,
    });
    await this.recordAudit(
      input.tenantId,
      'activation.completed',
      activationTarget(input.tenantId, input.activationId),
      {
        outcome: 'succeeded',
        detail: `recovered ${countIn(counts, ['recovered'])}, failed ${countIn(counts, ['failed'])}, skipped ${countIn(counts, ['skipped'])}`,
        correlationId: input.activationId,
      },
    );
    return { more: false };
  }

  /** Deactivation: sends one page of tasks to be released and marks them releasing. */
  async releasePage(input: ActivationDriverInput): Promise<Stale | { stale?: false; released: number }> {
    const activation = await this.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'deactivating') return { released: 0 };
    const tasks = await this.store.tasksIn(input.activationId, releasable, this.pageSize);
    if (tasks.length === 0) return { released: 0 };
    await this.send(
      tasks.map((task) => ({ task, kind: 'release' as const })),
      input.epoch,
    );
    const now = this.nowIso();
    await mapConcurrently(tasks, this.concurrency, (task) =>
      this.store.moveTask(task, {
        state: 'releasing',
        dispatch: task.dispatch + 1,
        epoch: input.epoch,
        updatedAt: now,
      }),
    );
    return { released: tasks.length };
  }

  /** Deactivation done: devices back on their primaries, scheduling of the region resumed. */
  async finishDeactivation(input: ActivationDriverInput): Promise<Stale | { stale?: false }> {
    const done = await this.update(input, (a) =>
      a.state === 'deactivating' ? { ...a, state: 'deactivated', deactivatedAt: this.nowIso() } : undefined,
    );
    if (!done) return { stale: true };
    if (done.scope.kind === 'region') await this.endRegionOutage(done, done.scope.region);
    this.events.emit('activation.deactivated', {
      tenantId: input.tenantId,
      activationId: input.activationId,
    });
    await this.recordAudit(
      input.tenantId,
      'activation.deactivated',
      activationTarget(input.tenantId, input.activationId),
      {
        outcome: 'succeeded',
        correlationId: input.activationId,
      },
    );
    return {};
  }

  /**
   * Takes the region out of outage mode unless another activation of the same region is not yet
   * deactivated (its devices still run there, its points must be kept). Looked again after: an
   * activation created in between either shows then, and the outage is put back, or puts the
   * region in outage itself after this, as every region activation does once created.
   */
  private async endRegionOutage(done: Activation, region: string): Promise<void> {
    if (await this.otherActivationHolds(done, region)) return;
    await this.tenants.setRegionOutage(done.tenantId, region, false);
    if (await this.otherActivationHolds(done, region)) {
      await this.tenants.setRegionOutage(done.tenantId, region, true);
    }
  }

  private async otherActivationHolds(done: Activation, region: string): Promise<boolean> {
    let continuationToken: string | undefined;
    do {
      const page = await this.store.list(done.tenantId, { pageSize: 100, continuationToken });
      const holding = page.items.some(
        (a) =>
          a.id !== done.id &&
          a.scope.kind === 'region' &&
          a.scope.region === region &&
          a.state !== 'deactivated',
      );
      if (holding) return true;
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return false;
  }

  /**
   * The activation if this driver still owns it, its lease renewed when half spent; undefined
   * when another epoch or region took over (or it is gone).
   */
  private async own(input: ActivationDriverInput): Promise<Activation | undefined> {
    return await this.update(input, () => undefined);
  }

  /**
   * Reads the activation, checks ownership, applies `change` (undefined: nothing to change) and
   * renews the lease in the same conditional write; retried on a concurrent change.
   */
  private async update(
    input: ActivationDriverInput,
    change: (activation: Activation) => Activation | undefined,
  ): Promise<Activation | undefined> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const activation = await this.store.get(input.tenantId, input.activationId);
      if (!activation || !this.owns(activation, input)) return undefined;
      const now = this.wallClock.now();
      const changed = change(activation);
      const renew = Date.parse(activation.owner.leaseUntil) - now.getTime() < this.options.leaseInMs / 2;
      if (!changed && !renew) return activation;
      const next = changed ?? activation;
      try {
        return await this.store.replace(
          {
            ...next,
            owner: {
              ...next.owner,
              leaseUntil: new Date(now.getTime() + this.options.leaseInMs).toISOString(),
            },
            updatedAt: this.nowIso(),
          },
          activation.version!,
        );
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === 'precondition-failed')) throw err;
      }
    }
    throw new ConflictError('precondition-failed', `Activation ${input.activationId} keeps changing`);
  }

  private async redispatch(activation: Activation, epoch: number): Promise<number> {
    const kind: RecoveryMessage['kind'] = activation.state === 'deactivating' ? 'release' : 'recover';
    if (activation.state !== 'recovering' && kind === 'recover') return 0;
    const tasks = await this.store.tasksIn(activation.id, inFlight[kind], this.pageSize, {
      dispatchedBeforeEpoch: epoch,
    });
    if (tasks.length === 0) return 0;
    await this.send(
      tasks.map((task) => ({ task, kind })),
      epoch,
    );
    const now = this.nowIso();
    await mapConcurrently(tasks, this.concurrency, (task) =>
      this.store.moveTask(task, { state: task.state, dispatch: task.dispatch + 1, epoch, updatedAt: now }),
    );
    this.events.emit('activation.redispatched', {
      tenantId: activation.tenantId,
      activationId: activation.id,
      epoch,
      tasks: tasks.length,
    });
    return tasks.length;
  }

  private owns(activation: Activation, input: ActivationDriverInput): boolean {
    // A lease that ran out is still ours until someone else adopts it (raising the epoch).
    return activation.owner.epoch === input.epoch && activation.owner.region === this.region;
  }

  private async read(
    tenantId: string,
    ids: readonly string[],
  ): Promise<{ id: string; device: Device | undefined }[]> {
    return await mapConcurrently(ids, this.concurrency, async (id) => ({
      id,
      device: await this.devices.get(tenantId, id),
    }));
  }

  private async scopePage(
    activation: Activation,
    cursor: PlanCursor,
  ): Promise<{ candidates: { id: string; device: Device | undefined }[]; next: PlanCursor | undefined }> {
    const scope = activation.scope;
    if (scope.kind === 'devices') {
      const ids = scope.deviceIds.slice(cursor.index, cursor.index + this.pageSize);
      const end = cursor.index + ids.length;
      return {
        candidates: await this.read(activation.tenantId, ids),
        next: end < scope.deviceIds.length ? { phase: 'scope', index: end } : undefined,
      };
    }
    const tiers = scope.kind === 'tiers' ? scope.tiers : [undefined];
    const tier = tiers[cursor.index];
    const page = await this.devices.list(
      activation.tenantId,
      {
        ...(scope.region ? { primaryRegion: scope.region } : {}),
        ...(tier !== undefined ? { priorityTier: tier } : {}),
      },
      cursor.continuationToken
        ? { pageSize: this.pageSize, continuationToken: cursor.continuationToken }
        : { pageSize: this.pageSize },
      this.clock.now(),
    );
    let next: PlanCursor | undefined;
    if (page.continuationToken)
      next = { phase: 'scope', index: cursor.index, continuationToken: page.continuationToken };
    else if (cursor.index + 1 < tiers.length) next = { phase: 'scope', index: cursor.index + 1 };
    return { candidates: page.items.map((device) => ({ id: device.id, device })), next };
  }

  /**
   * The page's tasks: planned for the devices claimed for this activation (in a few batched
   * writes), skipped with why for the others.
   */
  private async planTasks(
    activation: Activation,
    candidates: readonly { id: string; device: Device | undefined }[],
    first: ReadonlySet<string>,
  ): Promise<RecoveryTask[]> {
    const now = this.nowIso();
    // Ownership is checked again at recovery: a disk whose scope was taken away is not recovered.
    const scopes = (await this.tenants.get(activation.tenantId))?.diskScopes ?? [];
    const drafts = candidates.map(({ id, device }) =>
      draftTask(activation, id, device, { first, scopes }, now),
    );
    const claimed = await this.devices.claimAllForRecovery(
      activation.tenantId,
      drafts
        .filter((task) => task.state === 'planned')
        .map((task) => ({
          deviceId: task.deviceId,
          recovery: {
            activationId: activation.id,
            state: 'recovering' as const,
            backupRegion: task.backupRegion,
            since: now,
          },
        })),
    );
    return drafts.map((task) =>
      task.state === 'planned' && !claimed.has(task.deviceId)
        ? { ...task, state: 'skipped', skipReason: 'already-active' }
        : task,
    );
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
    for (let i = 0; i < messages.length; i += 500) {
      await this.queue.send(QueueNames.deviceRecovery, messages.slice(i, i + 500));
    }
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  /**
   * The step's audit record, waited for at most `auditWaitInMs`. The driver's next step used to
   * wait on it: with the region's audit table not answering, each write spent its attempts and the
   * storage client's retries (about 18 s against a refused connection; against one that never
   * answers, every attempt's whole deadline) at the start of the activation, of every wave and of
   * its end — long enough to starve the lease and, on a busy machine, to leave an activation with
   * every device recovered short of `completed`. The write carries on, and if it never lands the
   * audit trail still puts the whole record in the event log (`audit.write-failed`).
   */
  private async recordAudit(...record: Parameters<AuditTrail['system']>): Promise<void> {
    await waitAtMost(this.audit.system(...record), this.auditWaitInMs);
  }
}

/** The device's task before its claim: planned if it can be recovered, else skipped with why. */
function draftTask(
  activation: Activation,
  deviceId: string,
  device: Device | undefined,
  { first, scopes }: { first: ReadonlySet<string>; scopes: readonly DiskScope[] },
  now: string,
): RecoveryTask {
  const base = {
    id: recoveryTaskId(activation.id, deviceId),
    activationId: activation.id,
    tenantId: activation.tenantId,
    deviceId,
    upn: device?.upn ?? '',
    primaryRegion: device?.primaryRegion ?? '',
    backupRegion: device?.protection.backupRegion ?? '',
    priorityTier: device?.priorityTier ?? 0,
    wave: device ? waveOf(device, first) : 0,
    attempt: 0,
    dispatch: 0,
    updatedAt: now,
  };
  const skip = (skipReason: SkipReason): RecoveryTask => ({ ...base, state: 'skipped', skipReason });
  if (!device) return skip('not-found');
  if (!device.licensed) return skip('unlicensed');
  if (!anyScopeContains(scopes, device.primaryRegion, device.disk)) return skip('disk-not-in-scopes');
  if (!device.lastVerifiedAt) return skip('no-verified-restore-point');
  if (device.recovery && device.recovery.activationId !== activation.id) return skip('already-active');
  return { ...base, state: 'planned' };
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
