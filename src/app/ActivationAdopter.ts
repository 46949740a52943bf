/**
 * Adopts activations whose driver stopped renewing its lease: the owner region was lost, or its
 * process died with its orchestration. The adopter raises the epoch (so the old driver, should it
 * wake, stops at its next step) and starts a new driver here from the recorded state.
 */
import { isDriven, leaseExpired } from '../domain/activation';
import { ConflictError } from '../domain/errors';
import type { ActivationStore } from '../ports/ActivationStore';
import type { Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';
import type { OrchestrationClient } from '../ports/OrchestrationClient';
import type { ActivationService } from './ActivationService';
import type { AuditTrail } from './AuditTrail';
import { activationTarget } from './auditTargets';
import { waitAtMost } from './waitAtMost';

export interface ActivationAdopterDependencies {
  store: ActivationStore;
  activations: ActivationService;
  /** The control-plane region this process runs in: an adopted driver runs here. */
  region: string;
  /** Lease expiry is judged on this process's own clock. */
  clock: Clock;
  events: EventLog;
  audit: AuditTrail;
}

export interface ActivationAdopterOptions {
  /** The lease an adopted activation gets, as its new driver renews it. */
  leaseInMs: number;
  /** How long an adoption waits for its audit record after starting the driver (`ActivationSteps`'s `auditWaitInMs`). Default 2 s. */
  auditWaitInMs?: number;
}

export class ActivationAdopter {
  private readonly store: ActivationStore;
  private readonly activations: ActivationService;
  private readonly region: string;
  private readonly clock: Clock;
  private readonly events: EventLog;
  private readonly audit: AuditTrail;
  private readonly leaseInMs: number;
  private readonly auditWaitInMs: number;

  constructor(dependencies: ActivationAdopterDependencies, options: ActivationAdopterOptions) {
    this.store = dependencies.store;
    this.activations = dependencies.activations;
    this.region = dependencies.region;
    this.clock = dependencies.clock;
    this.events = dependencies.events;
    this.audit = dependencies.audit;
    this.leaseInMs = options.leaseInMs;
    this.auditWaitInMs = options.auditWaitInMs ?? 2_000;
  }

  /** Returns how many activations this region adopted. */
  async adopt(orchestrations: OrchestrationClient): Promise<number> {
    let adopted = 0;
    for await (const activation of this.store.listDriven()) {
      const now = this.clock.now();
      if (!isDriven(activation.state) || !leaseExpired(activation.owner, now)) continue;
      let mine;
      try {
        mine = await this.store.replace(
          {
            ...activation,
            owner: {
              region: this.region,
              epoch: activation.owner.epoch + 1,
              leaseUntil: new Date(now.getTime() + this.leaseInMs).toISOString(),
            },
            updatedAt: now.toISOString(),
          },
          activation.version!,
        );
      } catch (err) {
        // Renewed or adopted by someone else meanwhile: theirs.
        if (err instanceof ConflictError && err.code === 'precondition-failed') continue;
        throw err;
      }
      adopted += 1;
      this.events.emit('activation.adopted', {
        tenantId: activation.tenantId,
        activationId: activation.id,
        fromRegion: activation.owner.region,
        epoch: mine.owner.epoch,
      });
      const recorded = this.audit.system(
        activation.tenantId,
        'activation.adopted',
        activationTarget(activation.tenantId, activation.id),
        {
          outcome: 'succeeded',
          detail: `from ${activation.owner.region}, epoch ${mine.owner.epoch}`,
          correlationId: activation.id,
        },
      );
      // The new driver starts now, not once the audit table answers (it may be the lost region's
      // storage that does not): the record is waited for briefly afterwards, and carries on.
      await this.activations.startDriver(
        orchestrations,
        mine,
        mine.state === 'deactivating' ? 'deactivate' : 'activate',
      );
      await waitAtMost(recorded, this.auditWaitInMs);
    }
    return adopted;
  }
}
