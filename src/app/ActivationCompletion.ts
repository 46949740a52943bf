/**
 * The drivers' last steps: an activation completed with its measured RTO (or a cancelled one's
 * undispatched tasks marked cancelled), and a deactivation finished, its region's outage mode
 * ended once no other activation of that region still holds it.
 */
import type { Activation } from '../domain/activation';
import { countIn } from '../domain/recoveryTask';
import type { ActivationStore } from '../ports/ActivationStore';
import type { Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';
import type { TenantStore } from '../ports/TenantStore';
import type { ActivationDriverInput } from './activationOrchestrations';
import type { ActivationStepSettings } from './activationStepSettings';
import type { AuditTrail } from './AuditTrail';
import { activationTarget } from './auditTargets';
import type { DriverLease, Stale } from './DriverLease';
import { mapConcurrently } from './mapConcurrently';
import { recordStepAudit } from './recordStepAudit';

export interface ActivationCompletionDependencies {
  lease: DriverLease;
  store: ActivationStore;
  tenants: TenantStore;
  events: EventLog;
  audit: AuditTrail;
  clock: Clock;
}

export class ActivationCompletion {
  constructor(
    private readonly deps: ActivationCompletionDependencies,
    private readonly settings: ActivationStepSettings,
  ) {}

  /**
   * Ends the activation: completed with its measured RTO, or, if cancelled, with the tasks never
   * dispatched marked cancelled (one page per call; `more` while some remain).
   */
  async finish(input: ActivationDriverInput): Promise<Stale | { stale?: false; more: boolean }> {
    const { store } = this.deps;
    const activation = await this.deps.lease.own(input);
    if (!activation) return { stale: true };
    if (activation.state === 'cancelled') {
      const planned = await store.tasksIn(input.activationId, ['planned'], this.settings.pageSize);
      const now = this.nowIso();
      await mapConcurrently(planned, this.settings.concurrency, (task) =>
        store.moveTask(task, { state: 'cancelled', reason: 'activation cancelled', updatedAt: now }),
      );
      return { more: planned.length > 0 };
    }
    if (activation.state !== 'recovering') return { more: false };
    const lastRecoveredAt = await store.lastRecoveredAt(input.activationId);
    const done = await this.deps.lease.update(input, (a) =>
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
    const counts = await store.counts(input.activationId);
    this.deps.events.emit('activation.completed', {
      tenantId: input.tenantId,
      activationId: input.activationId,
      recovered: countIn(counts, ['recovered']),
      failed: countIn(counts, ['failed']),
      skipped: countIn(counts, ['skipped']),
      rtoSeconds: lastRecoveredAt
        ? (Date.parse(lastRecoveredAt) - Date.parse(activation.requestedAt)) / 1000
        : undefined,
    });
    await recordStepAudit(
      this.deps.audit,
      this.settings.auditWaitInMs,
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

  /** Deactivation done: devices back on their primaries, scheduling of the region resumed. */
  async finishDeactivation(input: ActivationDriverInput): Promise<Stale | { stale?: false }> {
    const done = await this.deps.lease.update(input, (a) =>
      a.state === 'deactivating' ? { ...a, state: 'deactivated', deactivatedAt: this.nowIso() } : undefined,
    );
    if (!done) return { stale: true };
    if (done.scope.kind === 'region') await this.endRegionOutage(done, done.scope.region);
    this.deps.events.emit('activation.deactivated', {
      tenantId: input.tenantId,
      activationId: input.activationId,
    });
    await recordStepAudit(
      this.deps.audit,
      this.settings.auditWaitInMs,
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
    await this.deps.tenants.setRegionOutage(done.tenantId, region, false);
    if (await this.otherActivationHolds(done, region)) {
      await this.deps.tenants.setRegionOutage(done.tenantId, region, true);
    }
  }

  private async otherActivationHolds(done: Activation, region: string): Promise<boolean> {
    let continuationToken: string | undefined;
    do {
      const page = await this.deps.store.list(done.tenantId, { pageSize: 100, continuationToken });
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

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }
}
