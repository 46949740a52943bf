/** Counters the double keeps for assertions and the benchmark (`ArmDouble.stats()`). */
import type { ArmDoubleStats, ArmLimits, CallCount, CopiesInFlight, OperationKind } from './types';
import type { RuleId } from './rules';

export class DoubleStats {
  private total = 0;
  private readonly calls = new Map<string, CallCount>();
  private throttledCount = 0;
  private readonly throttledBy = new Map<
    string,
    { principalId: string; subscriptionId: string; kind: OperationKind; count: number }
  >();
  private overBudgetCount = 0;
  private injected = 0;
  private unauthenticatedCount = 0;
  private readonly inFlight = new Map<string, CopiesInFlight>();
  private readonly refusals: Record<string, number> = {};

  constructor(
    private readonly timeScale: number,
    private readonly limits: ArmLimits,
    private readonly overridden: Partial<ArmLimits>,
  ) {}

  call(principalId: string, subscriptionId: string, callerRegion: string, method: string): void {
    this.total += 1;
    const key = `${principalId}|${subscriptionId.toLowerCase()}|${callerRegion}|${method}`;
    const entry = this.calls.get(key) ?? { principalId, subscriptionId, callerRegion, method, count: 0 };
    entry.count += 1;
    this.calls.set(key, entry);
  }

  throttled(principalId: string, subscriptionId: string, kind: OperationKind): void {
    this.throttledCount += 1;
    const key = `${principalId}|${subscriptionId.toLowerCase()}|${kind}`;
    const entry = this.throttledBy.get(key) ?? { principalId, subscriptionId, kind, count: 0 };
    entry.count += 1;
    this.throttledBy.set(key, entry);
  }

  overBudget(): void {
    this.overBudgetCount += 1;
  }

  injectedFault(): void {
    this.injected += 1;
  }

  unauthenticated(): void {
    this.unauthenticatedCount += 1;
  }

  refusal(ruleId: RuleId): void {
    this.refusals[ruleId] = (this.refusals[ruleId] ?? 0) + 1;
  }

  /** Records the copies in flight for (subscription, target region) after a change. */
  copiesInFlight(subscriptionId: string, location: string, now: number): void {
    const key = `${subscriptionId.toLowerCase()}|${location}`;
    const entry = this.inFlight.get(key) ?? { subscriptionId, location, inFlightNow: 0, maxInFlight: 0 };
    entry.inFlightNow = now;
    entry.maxInFlight = Math.max(entry.maxInFlight, now);
    this.inFlight.set(key, entry);
  }

  snapshot(
    currentInFlight: (subscriptionId: string, location: string) => number,
  ): Omit<ArmDoubleStats, 'compute'> {
    return {
      timeScale: this.timeScale,
      limits: { ...this.limits },
      overriddenLimits: { ...this.overridden },
      totalCalls: this.total,
      callsBy: [...this.calls.values()].map((c) => ({ ...c })),
      throttled: this.throttledCount,
      throttledBy: [...this.throttledBy.values()].map((t) => ({ ...t })),
      overBudget: this.overBudgetCount,
      injectedFaults: this.injected,
      unauthenticated: this.unauthenticatedCount,
      copiesInFlight: [...this.inFlight.values()].map((c) => ({
        ...c,
        inFlightNow: currentInFlight(c.subscriptionId, c.location),
      })),
      refusals: { ...this.refusals },
    };
  }
}
