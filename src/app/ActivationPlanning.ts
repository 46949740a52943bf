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
import { ActivationScopeReader, firstCursor, type Candidate, type PlanCursor } from './ActivationScopeReader';
import type { ActivationStepSettings } from './activationStepSettings';
import type { AuditTrail } from './AuditTrail';
import { activationTarget } from './auditTargets';
import type { DriverLease, Stale } from './DriverLease';
import { recordStepAudit } from './recordStepAudit';

export type { PlanCursor } from './ActivationScopeReader';

export interface ActivationPlanningDependencies {
  lease: DriverLease;
  store: ActivationStore;
  devices: DeviceStore;
  tenants: TenantStore;
  audit: AuditTrail;
  clock: Clock;
  region: string;
}

export class ActivationPlanning {
  private readonly reader: ActivationScopeReader;

  constructor(
    private readonly deps: ActivationPlanningDependencies,
    private readonly settings: ActivationStepSettings,
  ) {
    this.reader = new ActivationScopeReader(deps.devices, deps.clock, settings);
  }

  /** Creates the tasks of one page of the scope; `done` once the scope is exhausted. */
  async planPage(
    input: ActivationDriverInput,
    cursor: PlanCursor = firstCursor,
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
    const { candidates, next } = await this.reader.page(activation, cursor);
    const tasks = await this.planTasks(activation, candidates, first);
    await this.deps.store.addTasks(tasks);
    if (next) return { done: false, cursor: next };
    await this.deps.lease.update(input, (a) =>
      a.state === 'planning' ? { ...a, state: 'recovering', plannedAt: this.nowIso() } : undefined,
    );
    return { done: true };
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

/**
 * The device's task before its claim: planned if it can be recovered, else skipped with why. Pure:
 * the activation's preview decides with it too.
 */
export function draftTask(
  activation: Pick<Activation, 'id' | 'tenantId'>,
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
