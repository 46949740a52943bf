/**
 * The recovery queue's use case: recovers one device onto a temporary device in its backup region,
 * or releases it. Start–record–check: it asks the compute provider to ensure the device (idempotent
 * by its deterministic name), records what it learnt, and schedules a check while provisioning runs.
 * The next message of a chain is sent before the task records the step, so a crash in between
 * repeats the step instead of leaving a task no message will move.
 */
import type { Activation } from '../domain/activation';
import { backoffDelay, type RandomSource } from '../domain/backoff';
import { BoundedCache, sharedRead } from '../domain/BoundedCache';
import { ensureErrorType } from '../domain/errors';
import { canMove, isSettled, temporaryDeviceName, type RecoveryTask } from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import { systemClock, type Clock } from '../ports/Clock';
import {
  CapacityUnavailableError,
  type ComputeProvider,
  type TemporaryDeviceConnection,
} from '../ports/ComputeProvider';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { PolicyStore } from '../ports/PolicyStore';
import type { TenantStore } from '../ports/TenantStore';
import type { RecoveryClaims } from '../ports/RecoveryClaims';
import type { EventLog } from '../ports/EventLog';
import type { RestorePointStore } from '../ports/RestorePointStore';
import type { WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
import type { AuditTrail } from './AuditTrail';
import { taskTarget } from './auditTargets';
import { ProtectionSettings } from './ProtectionSettings';
import { RecoveryImages } from './RecoveryImages';
import { recoveryMessageId, type RecoveryMessage } from './recoveryMessage';
import { waitAtMost } from './waitAtMost';

/**
 * How long a message waits for the audit record of a device's outcome (as `ActivationSteps`'
 * `auditWaitInMs`). The outcome is recorded by then; the trail's own attempts (each up to a worker
 * call's budget) could hold the message, its lock and a worker slot for most of a minute while the
 * region's audit table does not answer. Past this the handler returns, the end of the message's
 * deadline ends the write still out, and the trail puts the whole record in the event log
 * (`audit.write-failed`) instead.
 */
const auditWaitInMs = 2_000;

export interface RecoveryWorkerDependencies {
  store: ActivationStore;
  devices: Pick<DeviceRegistry, 'get'> & RecoveryClaims;
  policies: Pick<PolicyStore, 'get'>;
  tenants: Pick<TenantStore, 'get'>;
  /** Page-blob points (the embedded runtime). */
  points: RestorePointStore;
  /** Managed-disk points; absent where no managed disk can be registered. */
  managedPoints?: RestorePointStore;
  compute: ComputeProvider;
  queue: WorkQueue;
  events: EventLog;
  audit: AuditTrail;
  clock: Clock;
  /** Cached reads are judged on this process's own wall clock, not the business clock. */
  wallClock?: Clock;
}

export interface RecoveryWorkerOptions {
  /** How long to wait before checking on a temporary device still provisioning. */
  checkDelayInMs?: number;
  /** Failures (not capacity) of one device before it is given up as failed. */
  maxAttempts?: number;
  /**
   * Back-off before retry n is at most `base · 2^(n-1)` and `max`, jittered (src/domain/backoff.ts);
   * the same policy for capacity waits.
   */
  retryBaseDelayInMs?: number;
  retryMaxDelayInMs?: number;
  capacityBaseDelayInMs?: number;
  capacityMaxDelayInMs?: number;
  /** How long an activation read is reused to see a cancel or a deactivation. */
  cacheTtlInMs?: number;
  /** Activations whose reads are kept at once; the least recently used go first. */
  cacheMaxEntries?: number;
  /** The back-off's jitter (default `Math.random`): tests seed it. */
  random?: RandomSource;
}

export type RecoveryOutcome =
  | 'recovered'
  | 'provisioning'
  | 'waiting-for-capacity'
  | 'retrying'
  | 'failed'
  | 'cancelled'
  | 'released'
  /** The message belongs to an older dispatch, or someone else moved the task first. */
  | 'stale'
  | 'nothing-to-do';

export class RecoveryWorker {
  private readonly store: ActivationStore;
  private readonly devices: Pick<DeviceRegistry, 'get'> & RecoveryClaims;
  private readonly images: RecoveryImages;
  private readonly compute: ComputeProvider;
  private readonly queue: WorkQueue;
  private readonly events: EventLog;
  private readonly audit: AuditTrail;
  private readonly clock: Clock;
  private readonly wallClock: Clock;
  private readonly options: Required<RecoveryWorkerOptions>;
  private readonly activations: BoundedCache<Promise<Activation | undefined>>;

  constructor(dependencies: RecoveryWorkerDependencies, options: RecoveryWorkerOptions = {}) {
    this.store = dependencies.store;
    this.devices = dependencies.devices;
    this.compute = dependencies.compute;
    this.queue = dependencies.queue;
    this.events = dependencies.events;
    this.audit = dependencies.audit;
    this.clock = dependencies.clock;
    this.wallClock = dependencies.wallClock ?? systemClock;
    this.images = new RecoveryImages({
      devices: dependencies.devices,
      // Tenants and policies change rarely while their devices recover.
      settings: new ProtectionSettings(dependencies.tenants, dependencies.policies, this.wallClock, {
        ttlInMs: 30_000,
        maxEntries: 1_000,
      }),
      points: dependencies.points,
      ...(dependencies.managedPoints ? { managedPoints: dependencies.managedPoints } : {}),
    });
    this.options = {
      checkDelayInMs: options.checkDelayInMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? 5,
      retryBaseDelayInMs: options.retryBaseDelayInMs ?? 15_000,
      retryMaxDelayInMs: options.retryMaxDelayInMs ?? 5 * 60_000,
      capacityBaseDelayInMs: options.capacityBaseDelayInMs ?? 30_000,
      capacityMaxDelayInMs: options.capacityMaxDelayInMs ?? 10 * 60_000,
      cacheTtlInMs: options.cacheTtlInMs ?? 5_000,
      cacheMaxEntries: options.cacheMaxEntries ?? 1_000,
      random: options.random ?? Math.random,
    };
    this.activations = new BoundedCache({
      maxEntries: this.options.cacheMaxEntries,
      ttlInMs: this.options.cacheTtlInMs,
    });
  }

  async handle(message: RecoveryMessage): Promise<RecoveryOutcome> {
    // A move lost to another writer (the dispatcher recording this very message, a duplicate)
    // is followed by a fresh read: dropping the message then could leave a task no message moves.
    for (let round = 0; round < 5; round += 1) {
      const task = await this.store.getTask(message.activationId, message.deviceId);
      if (!task || message.dispatch < task.dispatch) return 'stale';
      const outcome =
        message.kind === 'release' ? await this.release(message, task) : await this.recover(message, task);
      if (outcome !== 'stale') return outcome;
    }
    return 'stale';
  }

  private async recover(message: RecoveryMessage, found: RecoveryTask): Promise<RecoveryOutcome> {
    let task = found;
    if (isSettled(task.state) || task.state === 'releasing' || task.state === 'released')
      return 'nothing-to-do';
    const activation = await this.activation(task);
    if (activation?.state === 'deactivating' || activation?.state === 'deactivated') return 'nothing-to-do';
    if (!activation || (activation.state === 'cancelled' && task.state !== 'provisioning')) {
      // A device whose provisioning already started finishes; the rest stop here, data preserved.
      return (await this.move(task, message, { state: 'cancelled', reason: 'activation cancelled' }))
        ? 'cancelled'
        : 'stale';
    }
    if (task.state === 'planned') {
      // The message overtook its dispatcher's record: take the task as queued.
      const queued = await this.move(task, message, { state: 'queued', dispatchedAt: this.nowIso() });
      if (!queued) return 'stale';
      task = queued;
    }

    // A retry stays on the point it started from, while that point is still there and verified.
    // Storage failing here fails the delivery: the queue host delivers it again, then records poison.
    const source = await this.images.find(task, task.restorePoint?.name);
    if (!source.ok) return await this.fail(task, message, source.reason);
    const { point, image, settings } = source.source;
    const name = temporaryDeviceName(task.activationId, task.deviceId);
    let status;
    try {
      status = await this.compute.ensureTemporaryDevice({
        name,
        region: task.backupRegion,
        image,
        tags: { tenantId: task.tenantId, activationId: task.activationId, deviceId: task.deviceId },
        ...(settings ? { settings } : {}),
        user: task.upn,
      });
    } catch (err) {
      if (err instanceof CapacityUnavailableError)
        return await this.waitForCapacity(task, message, err, point);
      return await this.retryOrFail(task, message, ensureErrorType(err).message);
    }
    switch (status.state) {
      case 'provisioning': {
        await this.send(message, this.options.checkDelayInMs);
        const moved = await this.move(task, message, {
          state: 'provisioning',
          restorePoint: point,
          temporaryDevice: temporaryDevice(name, task.backupRegion, status),
        });
        return moved ? 'provisioning' : 'stale';
      }
      case 'failed':
        return await this.retryOrFail(task, message, status.reason);
      case 'ready': {
        const now = this.nowIso();
        // The device first: a crash before the task is recorded repeats both, never leaves the user's status behind.
        await this.devices.setRecovery(task.tenantId, task.deviceId, task.activationId, {
          activationId: task.activationId,
          state: 'active',
          backupRegion: task.backupRegion,
          temporaryDevice: name,
          ...(status.connection ? { connection: status.connection } : {}),
          since: now,
        });
        const moved = await this.move(task, message, {
          state: 'recovered',
          restorePoint: point,
          temporaryDevice: temporaryDevice(name, task.backupRegion, status),
          recoveredAt: now,
        });
        if (!moved) return 'stale';
        this.events.emit('recovery.recovered', {
          tenantId: task.tenantId,
          activationId: task.activationId,
          deviceId: task.deviceId,
          restorePoint: point.name,
          temporaryDevice: name,
        });
        await waitAtMost(
          this.audit.system(task.tenantId, 'recovery.recovered', taskTarget(task), {
            outcome: 'succeeded',
            detail: `${name} in ${task.backupRegion} from ${point.name}`,
            correlationId: task.activationId,
          }),
          auditWaitInMs,
        );
        return 'recovered';
      }
    }
  }

  /**
   * The message failed its last delivery (a poison message, on its way to the dead-letter queue).
   * A recovery is marked failed with why, so the report shows it and the activation can settle
   * instead of waiting for a device no message will move again. A release is marked released with
   * why and the user's hold ended: the sweeper removes whatever the temporary device left.
   */
  async recordPoison(message: RecoveryMessage, deliveries: number, error: string): Promise<void> {
    const task = await this.store.getTask(message.activationId, message.deviceId);
    if (!task || message.dispatch < task.dispatch) return;
    const reason = `Poison message: failed ${deliveries} deliveries; last error: ${error}`;
    const state = message.kind === 'release' ? 'released' : 'failed';
    if (!canMove(task.state, state)) return;
    if (state === 'released') {
      await this.devices.setRecovery(task.tenantId, task.deviceId, task.activationId, null);
    }
    const moved = await this.move(task, message, {
      state,
      reason,
      ...(state === 'released' ? { releasedAt: this.nowIso() } : {}),
    });
    if (!moved) return;
    this.events.emit('recovery.poison', {
      tenantId: task.tenantId,
      activationId: task.activationId,
      deviceId: task.deviceId,
      kind: message.kind,
      deliveries,
      error,
    });
    await this.audit.system(task.tenantId, `recovery.${state}`, taskTarget(task), {
      outcome: 'failed',
      detail: reason,
      correlationId: task.activationId,
    });
  }

  /** Deletes the temporary device (there may be none) and returns the device to its primary. */
  private async release(message: RecoveryMessage, found: RecoveryTask): Promise<RecoveryOutcome> {
    let task = found;
    if (task.state === 'released' || task.state === 'skipped') return 'nothing-to-do';
    if (task.state !== 'releasing') {
      const releasing = await this.move(task, message, { state: 'releasing' });
      if (!releasing) return 'stale';
      task = releasing;
    }
    if (task.backupRegion) {
      await this.compute.deleteTemporaryDevice(
        task.backupRegion,
        temporaryDeviceName(task.activationId, task.deviceId),
        task.temporaryDevice?.scope,
        task.temporaryDevice?.connection,
      );
    }
    await this.devices.setRecovery(task.tenantId, task.deviceId, task.activationId, null);
    return (await this.move(task, message, { state: 'released', releasedAt: this.nowIso() }))
      ? 'released'
      : 'stale';
  }

  private async waitForCapacity(
    task: RecoveryTask,
    message: RecoveryMessage,
    err: CapacityUnavailableError,
    restorePoint: RecoveryTask['restorePoint'],
  ): Promise<RecoveryOutcome> {
    const waits = (task.capacityWaits ?? 0) + 1;
    // Jittered: a region short of capacity for a whole wave does not get it asked again all at once.
    await this.send(
      message,
      backoffDelay(
        waits,
        { baseInMs: this.options.capacityBaseDelayInMs, maxInMs: this.options.capacityMaxDelayInMs },
        this.options.random,
      ),
    );
    const moved = await this.move(task, message, {
      state: 'waiting-for-capacity',
      reason: `${err.kind}: ${err.message}`,
      capacityWaits: waits,
      ...(restorePoint ? { restorePoint } : {}),
    });
    if (!moved) return 'stale';
    if (waits === 1) {
      this.events.emit('recovery.waiting-for-capacity', {
        tenantId: task.tenantId,
        activationId: task.activationId,
        deviceId: task.deviceId,
        region: task.backupRegion,
        kind: err.kind,
      });
    }
    return 'waiting-for-capacity';
  }

  private async retryOrFail(
    task: RecoveryTask,
    message: RecoveryMessage,
    reason: string,
  ): Promise<RecoveryOutcome> {
    const attempt = task.attempt + 1;
    if (attempt >= this.options.maxAttempts) return await this.fail(task, message, reason, attempt);
    await this.send(
      message,
      backoffDelay(
        attempt,
        { baseInMs: this.options.retryBaseDelayInMs, maxInMs: this.options.retryMaxDelayInMs },
        this.options.random,
      ),
    );
    // The same state, one attempt more: the task shows why it is being retried.
    const moved = await this.move(task, message, { state: task.state, attempt, reason });
    return moved ? 'retrying' : 'stale';
  }

  private async fail(
    task: RecoveryTask,
    message: RecoveryMessage,
    reason: string,
    attempt = task.attempt,
  ): Promise<RecoveryOutcome> {
    const moved = await this.move(task, message, { state: 'failed', reason, attempt });
    if (!moved) return 'stale';
    this.events.emit('recovery.failed', {
      tenantId: task.tenantId,
      activationId: task.activationId,
      deviceId: task.deviceId,
      attempts: attempt,
      reason,
    });
    await this.audit.system(task.tenantId, 'recovery.failed', taskTarget(task), {
      outcome: 'failed',
      detail: reason,
      correlationId: task.activationId,
    });
    return 'failed';
  }

  private async move(
    task: RecoveryTask,
    message: RecoveryMessage,
    next: Partial<RecoveryTask> & Pick<RecoveryTask, 'state'>,
  ): Promise<RecoveryTask | undefined> {
    return await this.store.moveTask(task, {
      ...next,
      dispatch: Math.max(task.dispatch, message.dispatch),
      // Moved before its dispatcher recorded it: the task still says which driver sent it.
      epoch: Math.max(task.epoch ?? 0, message.epoch),
      updatedAt: this.nowIso(),
    });
  }

  private async send(message: RecoveryMessage, delayInMs: number): Promise<void> {
    const next: RecoveryMessage = { ...message, seq: message.seq + 1 };
    await this.queue.send(
      QueueNames.deviceRecovery,
      [
        {
          id: recoveryMessageId(next),
          body: next,
          properties: { kind: next.kind, activationId: next.activationId },
        },
      ],
      { delayInMs },
    );
  }

  /**
   * Activations change rarely while their devices recover: read each once a while, not per message.
   * Bounded: a long-lived process keeps the activations in use, not every one it has served.
   */
  private activation(task: RecoveryTask): Promise<Activation | undefined> {
    return sharedRead(this.activations, task.activationId, this.wallClock.now().getTime(), () =>
      this.store.get(task.tenantId, task.activationId),
    );
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }
}

/** What the task records of its temporary device: where the provider said it made it, too. */
function temporaryDevice(
  name: string,
  region: string,
  status: { scope?: string; connection?: TemporaryDeviceConnection },
): NonNullable<RecoveryTask['temporaryDevice']> {
  return {
    name,
    region,
    ...(status.scope ? { scope: status.scope } : {}),
    ...(status.connection ? { connection: status.connection } : {}),
  };
}
