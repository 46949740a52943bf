/**
 * The health report from a recent check rather than a new one per request: `/api/health` is
 * anonymous, and a check calls every dependency, so without this anyone could make this region call
 * Cosmos DB, the work queue and each region's storage as often as they could send requests.
 */
import type { Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';
import type { HealthReport } from './checkHealth';

/**
 * How old a report may be when it is served. Every Front Door edge probes each origin (every
 * 100 s, but there are many edges), and anyone may call the route: 5 s turns all of them into at
 * most one round of dependency calls per instance per 5 s, while a failure still shows in the
 * very next probe, 5 s being far below the probe interval.
 */
export const healthMaxAgeInMs = 5_000;

export interface CachedHealthOptions {
  /** How old a report may be when it is served; `healthMaxAgeInMs` unless a test sets it. */
  maxAgeInMs?: number;
}

export class CachedHealth {
  private readonly maxAgeInMs: number;
  private last: { report: HealthReport; checkedAt: number } | undefined;
  /** The check under way: requests that arrive meanwhile wait for it instead of starting another. */
  private running: Promise<HealthReport> | undefined;

  constructor(
    private readonly check: () => Promise<HealthReport>,
    private readonly clock: Clock,
    private readonly events: EventLog,
    options: CachedHealthOptions = {},
  ) {
    this.maxAgeInMs = options.maxAgeInMs ?? healthMaxAgeInMs;
  }

  async report(): Promise<HealthReport> {
    if (this.last) {
      const age = this.clock.now().getTime() - this.last.checkedAt;
      // A clock set back (a test's, or a corrected one) makes the report stale, not fresh forever.
      if (age >= 0 && age < this.maxAgeInMs) return this.last.report;
    }
    this.running ??= this.refresh();
    return await this.running;
  }

  private async refresh(): Promise<HealthReport> {
    try {
      const report = await this.check();
      // Aged from when it ended: a check that waited out a timeout is not stale on arrival, which
      // would probe a dead dependency back to back.
      this.last = { report, checkedAt: this.clock.now().getTime() };
      // The anonymous answer says only which dependency is down; why, and how slowly, is here.
      for (const dependency of report.dependencies) {
        if (dependency.healthy) continue;
        this.events.emit('health.dependency-unhealthy', {
          dependency: dependency.name,
          essential: dependency.essential,
          reason: dependency.error,
          latencyMs: dependency.latencyMs,
        });
      }
      return report;
    } finally {
      this.running = undefined;
    }
  }
}
