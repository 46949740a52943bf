/** The tunables every part of the activation steps shares (planning, dispatch, completion), with their defaults. */
import { systemClock, type Clock } from '../ports/Clock';

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

/** The options with every default filled in, as the parts read them. */
export type ActivationStepSettings = Required<ActivationStepsOptions>;

export function withStepDefaults(options: ActivationStepsOptions): ActivationStepSettings {
  return {
    leaseInMs: options.leaseInMs,
    pageSize: options.pageSize ?? 1_000,
    concurrency: options.concurrency ?? 16,
    wallClock: options.wallClock ?? systemClock,
    auditWaitInMs: options.auditWaitInMs ?? 2_000,
  };
}
