/**
 * The one check every activation step makes first: does this driver still own the activation (same
 * region, same epoch)? It renews the lease in the same conditional write as the step's own change,
 * so a driver that stalled past its lease and was adopted stops at its next step instead of acting
 * as a zombie, and a driver that is working never loses its lease to an adopter.
 */
import type { Activation } from '../domain/activation';
import { ConflictError } from '../domain/errors';
import type { ActivationStore } from '../ports/ActivationStore';
import type { Clock } from '../ports/Clock';
import type { ActivationDriverInput } from './activationOrchestrations';
import type { ActivationStepSettings } from './activationStepSettings';

/** What a step answers once another epoch or region owns the activation: the driver stops. */
export type Stale = { stale: true };

export interface DriverLeaseDependencies {
  store: ActivationStore;
  /** The control-plane region this process drives from. */
  region: string;
  /** Stamps `updatedAt`; the lease itself runs on the settings' wall clock. */
  clock: Clock;
}

export class DriverLease {
  constructor(
    private readonly deps: DriverLeaseDependencies,
    private readonly settings: Pick<ActivationStepSettings, 'leaseInMs' | 'wallClock'>,
  ) {}

  /**
   * The activation if this driver still owns it, its lease renewed when half spent; undefined
   * when another epoch or region took over (or it is gone).
   */
  async own(input: ActivationDriverInput): Promise<Activation | undefined> {
    return await this.update(input, () => undefined);
  }

  /**
   * Reads the activation, checks ownership, applies `change` (undefined: nothing to change) and
   * renews the lease in the same conditional write; retried on a concurrent change. Undefined
   * when this driver no longer owns it.
   */
  async update(
    input: ActivationDriverInput,
    change: (activation: Activation) => Activation | undefined,
  ): Promise<Activation | undefined> {
    const { leaseInMs, wallClock } = this.settings;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const activation = await this.deps.store.get(input.tenantId, input.activationId);
      if (!activation || !this.owns(activation, input)) return undefined;
      const now = wallClock.now();
      const changed = change(activation);
      const renew = Date.parse(activation.owner.leaseUntil) - now.getTime() < leaseInMs / 2;
      if (!changed && !renew) return activation;
      const next = changed ?? activation;
      try {
        return await this.deps.store.replace(
          {
            ...next,
            owner: { ...next.owner, leaseUntil: new Date(now.getTime() + leaseInMs).toISOString() },
            updatedAt: this.deps.clock.now().toISOString(),
          },
          activation.version!,
        );
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === 'precondition-failed')) throw err;
      }
    }
    throw new ConflictError('precondition-failed', `Activation ${input.activationId} keeps changing`);
  }

  private owns(activation: Activation, input: ActivationDriverInput): boolean {
    // A lease that ran out is still ours until someone else adopts it (raising the epoch).
    return activation.owner.epoch === input.epoch && activation.owner.region === this.deps.region;
  }
}
