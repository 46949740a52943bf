/**
 * Whether a tenant's subscriptions can meet its policies' RPOs for managed disks: per backup
 * region, the copies all policies that target it need (./armCapacity) against the subscriptions
 * the tenant placed restore points in there. A policy in a region short of subscriptions gets a
 * warning naming it, the subscriptions needed and the assumption behind the figure.
 */
import {
  defaultCapacityAssumptions,
  describeAssumptions,
  neededFor,
  subscriptionsNeeded,
  type Binding,
  type CapacityAssumptions,
} from './armCapacity';

export interface PolicyDemand {
  policyId: string;
  backupRegion: string;
  rpoHours: number;
  enabled: boolean;
  /** Devices of the policy (the estimate treats each as a managed disk to copy). */
  devices: number;
}

export interface CapacityWarning {
  policyId: string;
  backupRegion: string;
  rpoHours: number;
  /** Subscriptions the tenant has in the backup region for restore points. */
  subscriptions: number;
  /** Subscriptions every enabled policy targeting that region needs together. */
  subscriptionsNeeded: number;
  /** The limit that sets the need. */
  binding: Binding;
  /** False when one copy takes longer than this policy's RPO: more subscriptions would not help. */
  feasible: boolean;
  assumption: string;
  message: string;
}

export function capacityWarnings(
  policies: readonly PolicyDemand[],
  /** Subscriptions per backup region (regions not listed have none). */
  subscriptionsByRegion: ReadonlyMap<string, number>,
  assumptions: CapacityAssumptions = defaultCapacityAssumptions,
): CapacityWarning[] {
  const enabled = policies.filter((p) => p.enabled && p.devices > 0);
  const warnings: CapacityWarning[] = [];
  for (const region of new Set(enabled.map((p) => p.backupRegion))) {
    const inRegion = enabled.filter((p) => p.backupRegion === region);
    const needs = inRegion.map((p) => subscriptionsNeeded(p.devices, p.rpoHours, assumptions));
    const load = Object.fromEntries(
      Object.keys(needs[0]!.load).map((limit) => [
        limit,
        needs.reduce((sum, n) => sum + n.load[limit as Binding], 0),
      ]),
    ) as Record<Binding, number>;
    const { subscriptions: needed, binding } = neededFor(load);
    const have = subscriptionsByRegion.get(region) ?? 0;
    inRegion.forEach((policy, i) => {
      const feasible = needs[i]!.feasible;
      if (feasible && needed <= have) return;
      const assumption = describeAssumptions(assumptions, policy.rpoHours);
      warnings.push({
        policyId: policy.policyId,
        backupRegion: region,
        rpoHours: policy.rpoHours,
        subscriptions: have,
        subscriptionsNeeded: needed,
        binding,
        feasible,
        assumption,
        message: feasible
          ? `Policy ${policy.policyId}: a ${policy.rpoHours} h RPO for the devices backed up to ${region} needs ${needed} subscription(s) there (bound by ${binding}); the tenant has ${have}. ${assumption}.`
          : `Policy ${policy.policyId}: one copy takes longer than its ${policy.rpoHours} h RPO; no number of subscriptions meets it. ${assumption}.`,
      });
    });
  }
  return warnings;
}
