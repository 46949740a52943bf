/**
 * The activation driver's planning step: one recovery task per device in scope, page by page (the
 * recover-first list, then the scope), each planned, or skipped with why. A planned device is
 * claimed for this activation so no two activations take it.
 */
import { describeScope, waveOf, type Activation } from '../domain/activation';
import type { Device } from '../domain/device';
import { anyScopeContains, type DiskScope } from '../domain/diskScope';
import { recoveryTaskId, type RecoveryTask, type SkipReason } from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import type { Clock } from '../ports/Clock';
import type { DeviceStore } from '../ports/DeviceStore';
import type { TenantStore } from '../ports/TenantStore';
import type { ActivationDriverInput } from './activationOrchestrations';
import type { ActivationStepSettings } from './activationStepSettings';
import type { AuditTrail } from './AuditTrail';
import { activationTarget } from './auditTargets';
import type { DriverLease, Stale } from './DriverLease';
import { mapConcurrently } from './mapConcurrently';
import { recordStepAudit } from './recordStepAudit';

/** Where planning goes on from: the first list by position, then the scope's pages. */
export interface PlanCursor {
  phase: 'first' | 'scope';
  /** Position in the first list or the device list; for tiers, the tier's position. */
  index: number;
  continuationToken?: string;
}

export interface ActivationPlanningDependencies {
  lease: DriverLease;
  store: ActivationStore;
  devices: DeviceStore;
  tenants: TenantStore;
  audit: AuditTrail;
  clock: Clock;
  region: string;
}

type Candidate = { id: string; device: Device | undefined };

export class ActivationPlanning {
  constructor(
    private readonly deps: ActivationPlanningDependencies,
    private readonly settings: ActivationStepSettings,
  ) {}

  /** Creates the tasks of one page of the scope; `done` once the scope is exhausted. */
  async planPage(
    input: ActivationDriverInput,
    cursor: PlanCursor = { phase: 'first', index: 0 },
  ): Promise<Stale | { stale?: false; done: false; cursor: PlanCursor } | { stale?: false; done: true }> {
    const activation = await this.deps.lease.own(input);
    if (!activation) return { stale: true };
    if (activation.state !== 'planning') return { done: true };
    if (cursor.phase === 'first' && cursor.index === 0) {
      await recordStepAudit(
        this.deps.audit,
        this.settings.auditWaitInMs,
        input.tenantId,
        'activation.started',
        activationTarget(input.tenantId, input.activationId),
        {
          outcome: 'succeeded',
          detail: `scope ${describeScope(activation.scope)}; driven from ${this.deps.region}`,
          correlationId: input.activationId,
        },
      );
    }
    const first = new Set(activation.recoverFirst);
    let candidates: Candidate[];
    let next: PlanCursor | undefined;
    if (cursor.phase === 'first') {
      const ids = activation.recoverFirst.slice(cursor.index, cursor.index + this.settings.pageSize);
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
    await this.deps.store.addTasks(tasks);
    if (next) return { done: false, cursor: next };
    await this.deps.lease.update(input, (a) =>
      a.state === 'planning' ? { ...a, state: 'recovering', plannedAt: this.nowIso() } : undefined,
    );
    return { done: true };
  }

  private async read(tenantId: string, ids: readonly string[]): Promise<Candidate[]> {
    return await mapConcurrently(ids, this.settings.concurrency, async (id) => ({
      id,
      device: await this.deps.devices.get(tenantId, id),
    }));
  }

  private async scopePage(
    activation: Activation,
    cursor: PlanCursor,
  ): Promise<{ candidates: Candidate[]; next: PlanCursor | undefined }> {
    const { pageSize } = this.settings;
    const scope = activation.scope;
    if (scope.kind === 'devices') {
      const ids = scope.deviceIds.slice(cursor.index, cursor.index + pageSize);
      const end = cursor.index + ids.length;
      return {
        candidates: await this.read(activation.tenantId, ids),
        next: end < scope.deviceIds.length ? { phase: 'scope', index: end } : undefined,
      };
    }
    const tiers = scope.kind === 'tiers' ? scope.tiers : [undefined];
    const tier = tiers[cursor.index];
    const page = await this.deps.devices.list(
      activation.tenantId,
      {
        ...(scope.region ? { primaryRegion: scope.region } : {}),
        ...(tier !== undefined ? { priorityTier: tier } : {}),
      },
      cursor.continuationToken ? { pageSize, continuationToken: cursor.continuationToken } : { pageSize },
      this.deps.clock.now(),
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
    candidates: readonly Candidate[],
    first: ReadonlySet<string>,
  ): Promise<RecoveryTask[]> {
    const now = this.nowIso();
    // Ownership is checked again at recovery: a disk whose scope was taken away is not recovered.
    const scopes = (await this.deps.tenants.get(activation.tenantId))?.diskScopes ?? [];
    const drafts = candidates.map(({ id, device }) =>
      draftTask(activation, id, device, { first, scopes }, now),
    );
    const claimed = await this.deps.devices.claimAllForRecovery(
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

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
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
