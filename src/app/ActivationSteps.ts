/**
 * The steps the activation and deactivation drivers take, one activity each, gathered for the
 * workflow (src/functions/activationWorkflow.ts). The work is in three parts — planning
 * (`ActivationPlanning`), dispatch (`WaveDispatch`) and completion (`ActivationCompletion`) — and
 * every step of each first proves, through one `DriverLease`, that its driver still owns the
 * activation (same region, same epoch) and renews the lease, so a driver that stalled past its
 * lease and was adopted stops there instead of acting as a zombie. Every step is idempotent: an
 * activity retried or replayed after a crash changes nothing twice.
 */
import type { WaveRecord } from '../domain/activation';
import type { ActivationStore } from '../ports/ActivationStore';
import type { Clock } from '../ports/Clock';
import type { DeviceStore } from '../ports/DeviceStore';
import type { EventLog } from '../ports/EventLog';
import type { TenantStore } from '../ports/TenantStore';
import type { WorkQueue } from '../ports/WorkQueue';
import { ActivationCompletion } from './ActivationCompletion';
import type { ActivationDriverInput } from './activationOrchestrations';
import { ActivationPlanning, type PlanCursor } from './ActivationPlanning';
import { withStepDefaults, type ActivationStepsOptions } from './activationStepSettings';
import type { AuditTrail } from './AuditTrail';
import { DriverLease } from './DriverLease';
import { WaveDispatch } from './WaveDispatch';

export type { PlanCursor } from './ActivationPlanning';
export type { DriverProgress } from './WaveDispatch';
export type { Stale } from './DriverLease';
export type { ActivationStepsOptions } from './activationStepSettings';

export interface ActivationStepsDependencies {
  store: ActivationStore;
  devices: DeviceStore;
  tenants: TenantStore;
  queue: WorkQueue;
  events: EventLog;
  audit: AuditTrail;
  /** Stamps what happened; leases and wave deadlines run on the options' wall clock. */
  clock: Clock;
  /** The control-plane region this process drives from. */
  region: string;
}

export class ActivationSteps {
  readonly planning: ActivationPlanning;
  readonly dispatch: WaveDispatch;
  readonly completion: ActivationCompletion;

  constructor(dependencies: ActivationStepsDependencies, options: ActivationStepsOptions) {
    const settings = withStepDefaults(options);
    const lease = new DriverLease(dependencies, settings);
    this.planning = new ActivationPlanning({ ...dependencies, lease }, settings);
    this.dispatch = new WaveDispatch({ ...dependencies, lease }, settings);
    this.completion = new ActivationCompletion({ ...dependencies, lease }, settings);
  }

  planPage(input: ActivationDriverInput, cursor?: PlanCursor) {
    return this.planning.planPage(input, cursor);
  }

  nextWave(input: ActivationDriverInput, after: number) {
    return this.dispatch.nextWave(input, after);
  }

  startWave(input: ActivationDriverInput, wave: number) {
    return this.dispatch.startWave(input, wave);
  }

  dispatchPage(input: ActivationDriverInput, wave: number) {
    return this.dispatch.dispatchPage(input, wave);
  }

  progress(input: ActivationDriverInput, wave?: number) {
    return this.dispatch.progress(input, wave);
  }

  endWave(input: ActivationDriverInput, wave: number, outcome: NonNullable<WaveRecord['outcome']>) {
    return this.dispatch.endWave(input, wave, outcome);
  }

  releasePage(input: ActivationDriverInput) {
    return this.dispatch.releasePage(input);
  }

  finish(input: ActivationDriverInput) {
    return this.completion.finish(input);
  }

  finishDeactivation(input: ActivationDriverInput) {
    return this.completion.finishDeactivation(input);
  }
}
