/**
 * How a policy's devices come up in its backup region when they are recovered onto Azure compute
 * (`COMPUTE_PROVIDER=azure`). The simulated provider ignores it. Every id is an ARM resource id in
 * the policy's backup region.
 */
import { subscriptionOfArmId } from './armId';

export interface RecoverySettings {
  /**
   * The subnets temporary devices' NICs go in: one per subscription that holds a backup resource
   * group of the tenant in the backup region (a NIC and its virtual network share a subscription
   * and region), picked by the subscription of the device's restore point.
   */
  subnetIds: string[];
  /**
   * Sizes tried in order after the device's own recorded size when a size has no capacity, is not
   * offered to the subscription (`SkuNotAvailable`) or does not fit the disk (generation, disk
   * controller, security type, premium storage).
   */
  fallbackSizes?: string[];
  /** Zones tried after the disk's own when a zone has no capacity; absent: 1, 2, 3. */
  zones?: string[];
  /** Capacity reservation groups the VMs draw on, one per subscription at most (billed while reserved). */
  capacityReservationGroupIds?: string[];
  /** The AVD personal host pool in the backup region the recovered desktops register with. */
  hostPoolId?: string;
  /**
   * The host pool's desktop application group, whose assignment to the users the product checks
   * (and never makes: that needs role-assignment rights): required with `hostPoolId`.
   */
  applicationGroupId?: string;
  /** The Entra group (object id) assigned to that application group in advance; its members are the users. */
  userGroupObjectId?: string;
}

/** A rule a policy's recovery settings break, with the request field it is about. */
export interface RecoverySettingsProblem {
  code: string;
  field: string;
  reason: string;
}

/** Where a tenant's recovered devices may go: its scopes, and the subscriptions of its backup groups. */
export interface RecoveryPlacementContext {
  /** Whether an ARM path lies inside one of the tenant's managed-disk scopes. */
  inScopes(armPath: string): boolean;
  /** The subscriptions of the tenant's backup resource groups in the policy's backup region. */
  backupSubscriptions: readonly string[];
}

/**
 * Every id lies inside the tenant's own scopes (no tenant puts its desktops in another's network,
 * host pool or reservation), at most one subnet and one reservation group per subscription, and
 * a subnet for each subscription the tenant's restore points are copied into: a device recovered
 * there would otherwise have no network to join.
 */
export function recoverySettingsProblems(
  settings: RecoverySettings,
  context: RecoveryPlacementContext,
): RecoverySettingsProblem[] {
  const problems: RecoverySettingsProblem[] = [];
  const field = (name: string) => `body.recovery.${name}`;
  const ids: [string, string | undefined][] = [
    ...settings.subnetIds.map((id, i): [string, string] => [field(`subnetIds.${i}`), id]),
    ...(settings.capacityReservationGroupIds ?? []).map((id, i): [string, string] => [
      field(`capacityReservationGroupIds.${i}`),
      id,
    ]),
    [field('hostPoolId'), settings.hostPoolId],
    [field('applicationGroupId'), settings.applicationGroupId],
  ];
  for (const [name, id] of ids) {
    if (id !== undefined && !context.inScopes(id))
      problems.push({
        code: 'recovery-resource-not-in-scopes',
        field: name,
        reason: `${id} is not inside one of the tenant's managed-disk scopes`,
      });
  }
  problems.push(...onePerSubscription(settings.subnetIds, field('subnetIds'), 'subnet'));
  problems.push(
    ...onePerSubscription(
      settings.capacityReservationGroupIds ?? [],
      field('capacityReservationGroupIds'),
      'capacity reservation group',
    ),
  );
  const covered = new Set(settings.subnetIds.map(subscriptionOfArmId));
  for (const subscription of new Set(context.backupSubscriptions.map((s) => s.toLowerCase()))) {
    if (!covered.has(subscription))
      problems.push({
        code: 'subnet-missing',
        field: field('subnetIds'),
        reason: `No subnet in subscription ${subscription}, which holds backup resource groups of the tenant in the backup region`,
      });
  }
  if (settings.hostPoolId && (!settings.applicationGroupId || !settings.userGroupObjectId))
    problems.push({
      code: 'host-pool-incomplete',
      field: field(settings.applicationGroupId ? 'userGroupObjectId' : 'applicationGroupId'),
      reason:
        'A host pool needs its desktop application group and the Entra group assigned to it in advance (the product checks the assignment, never makes it)',
    });
  return problems;
}

function onePerSubscription(ids: readonly string[], field: string, what: string): RecoverySettingsProblem[] {
  const seen = new Map<string | undefined, number>();
  const problems: RecoverySettingsProblem[] = [];
  ids.forEach((id, index) => {
    const subscription = subscriptionOfArmId(id);
    const first = seen.get(subscription);
    if (first !== undefined)
      problems.push({
        code: 'repeated-subscription',
        field: `${field}.${index}`,
        reason: `A second ${what} in subscription ${subscription} (the first is ${field}.${first}): one per subscription`,
      });
    else seen.set(subscription, index);
  });
  return problems;
}
