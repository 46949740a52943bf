/**
 * The worker's use case: takes one restore point of one device, start–record–check. It snapshots
 * the disk in the primary region, records that, starts the server-side copy to the backup region,
 * and comes back (a delayed message) while the copy runs; then verifies, records, releases the
 * source snapshot and prunes by retention. Every step is idempotent by (device, slot): duplicated
 * or retried messages, or two regions working the same slot, still yield one point.
 */
import { randomUUID } from 'node:crypto';
import { backoffDelay, type RandomSource } from '../domain/backoff';
import type { Device, PendingRestorePoint } from '../domain/device';
import type { DiskSnapshot } from '../domain/disk';
import { anyScopeContains } from '../domain/diskScope';
import { ensureErrorType } from '../domain/errors';
import { restorePointName, type RestorePoint } from '../domain/restorePoint';
import { pointsToPrune } from '../domain/retention';
import { nextScheduledSlot } from '../domain/rpo';
import { systemClock, type Clock } from '../ports/Clock';
import type { ComplianceIndex } from '../ports/ComplianceIndex';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { ProtectionSchedule } from '../ports/ProtectionSchedule';
import type { DiskSource } from '../ports/DiskSource';
import type { EventLog } from '../ports/EventLog';
import type { PolicyStore } from '../ports/PolicyStore';
import type { RestorePointStore, RestorePointTarget } from '../ports/RestorePointStore';
import type { TenantStore } from '../ports/TenantStore';
import type { WorkQueue } from '../ports/WorkQueue';
import type { SlotWake } from '../ports/CopySlots';
import { QueueNames } from '../queueNames';
import { copyCheckDelay } from './copyCheckDelay';
import { ProtectionSettings } from './ProtectionSettings';
import { restorePointMessageId, type RestorePointRequest } from './restorePointRequest';

export interface RestorePointWorkerDependencies {
  devices: Pick<DeviceRegistry, 'get'> & ProtectionSchedule & ComplianceIndex;
  tenants: TenantStore;
  policies: PolicyStore;
  disks: DiskSource;
  /** The points of page-blob disks (the embedded runtime). */
  points: RestorePointStore;
  /** The points of managed disks (CopyStart into the backup region); none where ARM is not set up. */
  managedPoints?: RestorePointStore;
  queue: WorkQueue;
  events: EventLog;
  clock: Clock;
  /** Leases and cached reads are judged on this process's own wall clock, not the business clock. */
  leaseClock?: Clock;
}

export interface RestorePointWorkerOptions {
  /**
   * How long to wait before checking on a pending copy whose pace is not known yet (just started,
   * behind an earlier copy of its disk, its source still being created); a page blob's copy always.
   */
  checkDelayInMs?: number;
  /**
   * How long a copy waiting for a CopyStart slot waits before it asks again itself, where the
   * slot's grant sends its wake-up (`SlotWake`) at once: this look only catches a lost one.
   * Default 30 × `checkDelayInMs` (5 min).
   */
  slotWaitCheckDelayInMs?: number;
  /**
   * Bounds of the look at a running copy whose pace is known (copyCheckDelay.ts): half way to when
   * its pace says it will be done, not sooner than the first (default `checkDelayInMs` ÷ 5: 2 s),
   * not later than the second (default 6 × `checkDelayInMs`: 1 min).
   */
  minCopyCheckDelayInMs?: number;
  maxCopyCheckDelayInMs?: number;
  /**
   * How long after a managed disk's snapshot PUT was sent its copy is first asked for: the create
   * runs on in ARM (seconds) without holding a handler, and the copy step reads whether it is done.
   */
  snapshotCheckDelayInMs?: number;
  /** Tries of one slot (snapshot, copy, verify) before it is given up; the next slot comes anyway. */
  maxAttempts?: number;
  /** Back-off before retry n is at most `base · 2^(n-1)` and `max`, jittered (src/domain/backoff.ts). */
  retryBaseDelayInMs?: number;
  retryMaxDelayInMs?: number;
  /** How long one invocation may hold a slot before another may take it over. */
  leaseInMs?: number;
  /** How long a tenant or policy read is reused for retention and outage decisions. */
  cacheTtlInMs?: number;
  /** Tenants and policies whose reads are kept at once; the least recently used go first. */
  cacheMaxEntries?: number;
  /** The back-off's jitter (default `Math.random`): tests seed it. */
  random?: RandomSource;
}

export type WorkerOutcome =
  'recorded' | 'already-recorded' | 'checking' | 'retrying' | 'given-up' | 'skipped' | 'blocked';

export class RestorePointWorker {
  private readonly devices: Pick<DeviceRegistry, 'get'> & ProtectionSchedule & ComplianceIndex;
  private readonly disks: DiskSource;
  private readonly points: RestorePointStore;
  private readonly managedPoints: RestorePointStore | undefined;
  private readonly queue: WorkQueue;
  private readonly events: EventLog;
  private readonly clock: Clock;
  private readonly leaseClock: Clock;
  private readonly options: Required<RestorePointWorkerOptions>;
  private readonly settings: ProtectionSettings;

  constructor(dependencies: RestorePointWorkerDependencies, options: RestorePointWorkerOptions = {}) {
    this.devices = dependencies.devices;
    this.disks = dependencies.disks;
    this.points = dependencies.points;
    this.managedPoints = dependencies.managedPoints;
    this.queue = dependencies.queue;
    this.events = dependencies.events;
    this.clock = dependencies.clock;
    this.leaseClock = dependencies.leaseClock ?? systemClock;
    const checkDelayInMs = options.checkDelayInMs ?? 10_000;
    this.options = {
      checkDelayInMs,
      slotWaitCheckDelayInMs: options.slotWaitCheckDelayInMs ?? 30 * checkDelayInMs,
      minCopyCheckDelayInMs: options.minCopyCheckDelayInMs ?? checkDelayInMs / 5,
      maxCopyCheckDelayInMs: options.maxCopyCheckDelayInMs ?? 6 * checkDelayInMs,
      snapshotCheckDelayInMs: options.snapshotCheckDelayInMs ?? 5_000,
      maxAttempts: options.maxAttempts ?? 5,
      retryBaseDelayInMs: options.retryBaseDelayInMs ?? 15_000,
      retryMaxDelayInMs: options.retryMaxDelayInMs ?? 10 * 60_000,
      leaseInMs: options.leaseInMs ?? 2 * 60_000,
      cacheTtlInMs: options.cacheTtlInMs ?? 30_000,
      cacheMaxEntries: options.cacheMaxEntries ?? 10_000,
      random: options.random ?? Math.random,
    };
    this.settings = new ProtectionSettings(dependencies.tenants, dependencies.policies, this.leaseClock, {
      ttlInMs: this.options.cacheTtlInMs,
      maxEntries: this.options.cacheMaxEntries,
    });
  }

  async handle(request: RestorePointRequest): Promise<WorkerOutcome> {
    const device = request.device ?? (await this.devices.get(request.tenantId, request.deviceId));
    if (!device || !device.licensed || !device.protection.enabled) return 'skipped';
    if (!(await this.ownsDisk(device))) return await this.block(request, device);
    // A message of this slot older than one already taken up (a check a slot's wake-up overtook)
    // would run a second chain of checks beside the first: dropped.
    if (device.pending?.takenAt === request.takenAt && isBefore(request, device.pending.step))
      return 'skipped';
    const owner = randomUUID();
    const claimed = await this.claim(request, device, owner);
    if (claimed === 'superseded') return 'skipped';
    if (claimed === 'already-recorded') return claimed;
    if (claimed === 'busy') {
      // Another invocation holds this slot: come back later rather than race it.
      await this.send({ ...request, check: request.check + 1 }, this.options.checkDelayInMs);
      return 'checking';
    }
    if ('retry' in claimed) return claimed.retry;
    let outcome: WorkerOutcome;
    if (claimed.submitted && namedBySlot(claimed.pending.snapshot)) {
      // Start–record–check: the snapshot's create runs on in ARM; the copy step, at the next
      // message, reads whether it succeeded. No handler waits for the operation.
      await this.send({ ...request, check: request.check + 1 }, this.options.snapshotCheckDelayInMs);
      outcome = 'checking';
    } else outcome = await this.work(request, claimed.device, claimed.pending);
    if (outcome !== 'recorded' && outcome !== 'given-up')
      await this.devices.releasePending(claimed.device, owner, this.leaseClock.now());
    return outcome;
  }

  /**
   * Whether the device's disk is inside its tenant's disk scopes now (as of the cached tenant read):
   * a scope the platform removed stops protection of the disks under it.
   */
  private async ownsDisk(device: Device): Promise<boolean> {
    const tenant = await this.settings.tenant(device.tenantId);
    return !!tenant && anyScopeContains(tenant.diskScopes, device.primaryRegion, device.disk);
  }

  /**
   * Refuses the point and says so on the device (`protectionBlocked`) and in the log; a scheduled
   * slot moves on, so the device is tried again at its next slot, not at every timer run. Work in
   * progress on it is abandoned: no copy of a disk that is not the tenant's is finished.
   */
  private async block(request: RestorePointRequest, device: Device): Promise<WorkerOutcome> {
    const current = device.pending ? await this.abandon(device, device.pending) : device;
    const nextDueAt =
      request.kind === 'scheduled' ? nextScheduledSlot(current, new Date(request.takenAt)) : undefined;
    await this.devices.blockProtection(
      current,
      { reason: 'disk-not-in-scopes', since: this.clock.now().toISOString() },
      nextDueAt,
    );
    if (!current.protectionBlocked) {
      this.events.emit('restore-point.blocked', {
        tenantId: device.tenantId,
        deviceId: device.id,
        reason: 'disk-not-in-scopes',
      });
    }
    return 'blocked';
  }

  /** With the slot's lease held: copy, check, verify, record. */
  private async work(
    request: RestorePointRequest,
    device: Device,
    pending: PendingRestorePoint,
  ): Promise<WorkerOutcome> {
    const takenAt = new Date(request.takenAt);
    const points = this.storeFor(device);
    const target: RestorePointTarget = {
      region: device.protection.backupRegion,
      tenantId: device.tenantId,
      deviceId: device.id,
      takenAt,
      kind: request.kind,
      ...(await this.settings.placement(device)),
      slotWake: this.slotWake(request),
    };
    let status;
    try {
      status = await points.startCopy(pending.snapshot, target);
    } catch (err) {
      return await this.retry(request, device, 'copy-failed', err);
    }
    switch (status.state) {
      case 'pending':
        await this.send({ ...request, check: request.check + 1 }, copyCheckDelay(status, this.options));
        return 'checking';
      case 'failed':
        // A managed disk's failed or stuck copy is deleted in ARM first (which also frees its
        // disk's copy queue), then tried again from the same source; once the slot is given up
        // its source goes too, and the next slot re-seeds from a fresh snapshot.
        await points.remove(target.region, restorePointName(device.tenantId, device.id, takenAt));
        return await this.retry(request, device, 'copy-failed', new Error(status.reason));
      case 'verified':
        return await this.finish(device, pending, target, undefined);
      case 'copied': {
        if (status.handedOn && request.check < verifyCheck) {
          // Its slot went to the copy waiting longest, whose wake-up is on the queue: this copy's
          // verification, record and clean-up (ARM reads, deletes and their operations) go behind
          // it, as the next message, so a fleet's copies ending together do not hold the handlers
          // while the slots they freed stand idle.
          await this.send({ ...request, check: Math.max(request.check + 1, verifyCheck) }, 0);
          return 'checking';
        }
        let verdict;
        try {
          verdict = await points.verify(pending.snapshot, target);
        } catch (err) {
          // Verification could not run (a read failed, a SAS was refused): the copy stays and is
          // verified again on the next attempt, with the lease released meanwhile.
          return await this.retry(request, device, 'verification-failed', err);
        }
        if (!verdict.ok) {
          // Never offered for recovery: removed, and the slot tried again from the same snapshot.
          await points.remove(target.region, restorePointName(device.tenantId, device.id, takenAt));
          return await this.retry(request, device, 'verification-failed', new Error(verdict.reason));
        }
        const point = await points.markVerified(target, verdict.hash);
        return await this.finish(device, pending, target, point);
      }
    }
  }

  /**
   * Takes the slot's lease. Any worker on this slot uses one snapshot: the first to record its
   * snapshot wins and the others drop their own. While another invocation holds the lease this one
   * is 'busy'; a lease that ran out (its owner crashed) is taken over. A newer point already in
   * progress supersedes this one; an older one is given up for it. `submitted` says this
   * invocation's own snapshot request is the one recorded.
   */
  private async claim(
    request: RestorePointRequest,
    device: Device,
    owner: string,
  ): Promise<
    | { device: Device; pending: PendingRestorePoint; submitted: boolean }
    | { retry: WorkerOutcome }
    | 'superseded'
    | 'already-recorded'
    | 'busy'
  > {
    let current: Device | undefined = device;
    /** A slot-named snapshot this invocation asked for and no claim recorded yet. */
    let unrecorded: DiskSnapshot | undefined;
    const step = { attempt: request.attempt, check: request.check };
    for (let round = 0; round < 5 && current; round += 1) {
      // Checked each round, on the device as sent and as read again after a lost claim: a
      // duplicate of this slot's message (both regions' timers fire) may have recorded it
      // meanwhile. Claiming it again left a lease nobody released, and the device waited for it.
      // A slot-named snapshot asked for here is then the very one recorded: kept.
      if (current.lastVerifiedAt && Date.parse(current.lastVerifiedAt) >= Date.parse(request.takenAt))
        return 'already-recorded';
      const now = this.leaseClock.now();
      const lease = { owner, leaseUntil: new Date(now.getTime() + this.options.leaseInMs).toISOString() };
      const existing: PendingRestorePoint | undefined = current.pending;
      if (existing?.owner && existing.owner !== owner && Date.parse(existing.leaseUntil) > now.getTime())
        return 'busy';
      let claim: PendingRestorePoint;
      if (existing?.takenAt === request.takenAt) {
        claim = { ...existing, ...lease, step };
      } else {
        if (existing && Date.parse(existing.takenAt) > Date.parse(request.takenAt)) {
          // This slot was never recorded (that is checked first) and a newer one is under way: a
          // snapshot taken for it here is nobody's.
          if (unrecorded) await this.deleteSnapshot(current, unrecorded);
          return 'superseded';
        }
        if (existing) current = await this.abandon(current, existing);
        try {
          // A slot-named snapshot asked for in an earlier round is asked for once only.
          const snapshot =
            unrecorded ??
            (await this.disks.snapshot(current.primaryRegion, current.disk, {
              tenantId: current.tenantId,
              deviceId: current.id,
              takenAt: new Date(request.takenAt),
            }));
          claim = {
            takenAt: request.takenAt,
            kind: request.kind,
            snapshot,
            attempt: request.attempt,
            startedAt: now.toISOString(),
            ...lease,
            step,
          };
        } catch (err) {
          return { retry: await this.retry(request, current, 'snapshot-failed', err) };
        }
      }
      // Recorded before the copy starts: a crash from here on finds the snapshot again. A scheduled
      // slot also moves the device on, so the next timer run does not send it again.
      const nextDueAt =
        request.kind === 'scheduled' ? nextScheduledSlot(current, new Date(request.takenAt)) : undefined;
      const recorded = await this.devices.claimPending(current, claim, nextDueAt);
      if (recorded)
        return { device: recorded, pending: claim, submitted: claim.snapshot !== existing?.snapshot };
      const taken = claim.snapshot;
      current = await this.devices.get(request.tenantId, request.deviceId);
      if (taken === existing?.snapshot) continue;
      // The claim lost to another write of the device record (another worker's claim, or the
      // timers' RPO announcements). A snapshot named by its slot is the same resource whoever asks
      // for it: the next round (or a duplicate's claim, or the winner's record) uses it, so it is
      // never deleted here (deleting it would delete what the winner may just have recorded, and
      // cost one of the disk's 7 snapshots per 5 minutes to take again). Any other snapshot is
      // this invocation's own, recorded by nobody: deleted.
      if (namedBySlot(taken)) unrecorded = taken;
      else if (taken.snapshotId !== current?.pending?.snapshot.snapshotId)
        await this.deleteSnapshot(current ?? device, taken);
    }
    return 'busy';
  }

  private async finish(
    device: Device,
    pending: PendingRestorePoint,
    target: RestorePointTarget,
    point: RestorePoint | undefined,
  ): Promise<WorkerOutcome> {
    const name = point?.name ?? restorePointName(device.tenantId, device.id, target.takenAt);
    const recorded = await this.devices.recordVerified(
      device,
      { takenAt: target.takenAt, name },
      this.clock.now(),
    );
    if (device.announced !== 'protected') {
      this.events.emit('rpo.protected', {
        tenantId: device.tenantId,
        deviceId: device.id,
        primaryRegion: device.primaryRegion,
        lastVerifiedAt: recorded.lastVerifiedAt,
      });
    }
    // The sources no longer needed are marked first (a record retention prunes must not vanish
    // before its source is handed back); then they go in the primary region while retention
    // prunes the backup region: independent work, side by side, so this invocation holds its
    // handler for one delete's long-running operation rather than one after the other.
    const released = await this.storeFor(device).releaseSource(pending.snapshot, target);
    await Promise.all([
      ...released.map((snapshot) => this.deleteSnapshot(device, snapshot)),
      this.prune(recorded),
    ]);
    return 'recorded';
  }

  /**
   * Deletes points retention no longer keeps, unless the device's region is in outage mode or an
   * activation holds the device (it may be recovering from any of them). Retention never prunes
   * the newest verified point: for a managed disk that is also the newest copy in the backup
   * region, the base the next incremental copy needs (pruning it would make the next copy full).
   */
  private async prune(device: Device): Promise<void> {
    if (device.recovery) return;
    const [tenant, policy] = await Promise.all([
      this.settings.tenant(device.tenantId),
      this.settings.policy(device.tenantId, device.policyId),
    ]);
    if (!tenant || !policy || tenant.regionsInOutage.includes(device.primaryRegion)) return;
    const store = this.storeFor(device);
    const points = await store.list(device.protection.backupRegion, device.tenantId, device.id);
    for (const point of pointsToPrune(points, policy.retention)) {
      await store.remove(point.region, point.name);
    }
  }

  private async retry(
    request: RestorePointRequest,
    device: Device,
    reason: string,
    err: unknown,
  ): Promise<WorkerOutcome> {
    const detail = ensureErrorType(err).message;
    if (request.attempt >= this.options.maxAttempts) {
      this.events.emit('restore-point.failed', {
        tenantId: device.tenantId,
        deviceId: device.id,
        takenAt: request.takenAt,
        attempts: request.attempt,
        reason,
        detail,
      });
      if (device.pending?.takenAt === request.takenAt) await this.abandon(device, device.pending);
      return 'given-up';
    }
    this.events.emit('restore-point.retrying', {
      tenantId: device.tenantId,
      deviceId: device.id,
      takenAt: request.takenAt,
      attempt: request.attempt,
      reason,
      detail,
    });
    // Jittered: a fleet whose copies failed together (the backup region's storage down) does not
    // come back together.
    const delay = backoffDelay(
      request.attempt,
      { baseInMs: this.options.retryBaseDelayInMs, maxInMs: this.options.retryMaxDelayInMs },
      this.options.random,
    );
    await this.send({ ...request, attempt: request.attempt + 1, check: 0 }, delay);
    return 'retrying';
  }

  /**
   * Gives up a slot's work in progress: its unverified point, its copy's claim on shared copy
   * capacity and its snapshot go.
   */
  private async abandon(device: Device, pending: PendingRestorePoint): Promise<Device> {
    const takenAt = new Date(pending.takenAt);
    const name = restorePointName(device.tenantId, device.id, takenAt);
    const points = this.storeFor(device);
    const existing = (await points.list(device.protection.backupRegion, device.tenantId, device.id)).find(
      (p) => p.name === name,
    );
    // The copy goes before its source: a source is never deleted while its target is copying.
    if (existing && !existing.verified) await points.remove(existing.region, name);
    // A managed disk's copy asks for its CopyStart slot before anything of it is recorded: that
    // request, waiting or granted, goes back too (else a waiting one is granted later and held for
    // ever, one of its subscription's 100), and a late start of this slot is refused.
    if (!existing?.verified && points.closeCopy) {
      await points.closeCopy({
        region: device.protection.backupRegion,
        tenantId: device.tenantId,
        deviceId: device.id,
        takenAt,
        kind: pending.kind,
        ...(await this.settings.placement(device)),
      });
    }
    await this.deleteSnapshot(device, pending.snapshot);
    return await this.devices.clearPending(device);
  }

  /** The store of the device's disk kind. */
  private storeFor(device: Device): RestorePointStore {
    if (device.disk.kind !== 'managedDisk') return this.points;
    if (!this.managedPoints)
      throw new Error('Managed disks are not configured here: no managed-disk restore point store');
    return this.managedPoints;
  }

  /** A snapshot left behind costs storage, not data: reported for the sweeper, not fatal. */
  private async deleteSnapshot(device: Device, snapshot: DiskSnapshot): Promise<void> {
    try {
      await this.disks.deleteSnapshot(snapshot);
    } catch (err) {
      this.events.emit('restore-point.snapshot-cleanup-failed', {
        tenantId: device.tenantId,
        deviceId: device.id,
        snapshotId: snapshot.snapshotId,
        reason: ensureErrorType(err).message,
      });
    }
  }

  /**
   * The message a grant of this slot's CopyStart slot sends: this attempt's check number
   * `wakeCheck`, ahead of any check the attempt's own chain reaches, so once it has run the chain's
   * older checks are dropped (`isBefore`) rather than run beside it. One id per attempt: a request
   * keeps one wake-up, and a duplicate of it is dropped by the queue's duplicate detection.
   */
  private slotWake({ device: _stale, ...request }: RestorePointRequest): SlotWake {
    const body: RestorePointRequest = { ...request, check: Math.max(request.check + 1, wakeCheck) };
    return {
      queue: QueueNames.restorePoints,
      id: restorePointMessageId(body),
      body,
      properties: { tenantId: request.tenantId, kind: request.kind },
    };
  }

  /** Checks and retries read the device afresh: the one the scheduler sent is stale by then. */
  private async send({ device: _stale, ...request }: RestorePointRequest, delayInMs: number): Promise<void> {
    await this.queue.send(
      QueueNames.restorePoints,
      [
        {
          id: restorePointMessageId(request),
          body: request,
          properties: { tenantId: request.tenantId, kind: request.kind },
        },
      ],
      { delayInMs },
    );
  }
}

/** The check number of a slot grant's wake-up: more than any chain of checks reaches (10 s apart, 115 days). */
const wakeCheck = 1_000_000;
/** The check number of a verification put behind a freed slot's wake-up: beyond any wake-up's chain. */
const verifyCheck = 2_000_000;

/** Whether the message comes before the step a worker already took the slot up with. */
function isBefore(request: RestorePointRequest, step: PendingRestorePoint['step']): boolean {
  if (!step) return false;
  return request.attempt < step.attempt || (request.attempt === step.attempt && request.check < step.check);
}

/**
 * A managed disk's snapshot is named by its slot (ArmDiskSource): asking for it again is the same
 * resource, whoever asks. A page blob's snapshot is new at every call.
 */
function namedBySlot(snapshot: DiskSnapshot): boolean {
  return snapshot.disk.kind === 'managedDisk';
}
