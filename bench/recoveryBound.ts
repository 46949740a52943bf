/**
 * The shortest activation ARM's and Compute's documented limits allow for N devices recovered onto
 * Azure compute, spread evenly over S subscriptions, from the fewest writes the protocol needs per
 * device — not from the calls the product makes — and the stated provisioning model. Pure: the
 * `recovery-arm` benchmark compares its measured RTO with this, and the sizing table
 * (docs/recovery-sizing.md) is computed from it.
 *
 * Per device, before its VM exists, the protocol needs three writes: the disk copied from the
 * restore point's snapshot (PUT, `createOption: Copy`), the NIC (PUT), the VM attaching both (PUT).
 * With a DR host pool, two more after it: the registration script (managed Run Command, PUT) and
 * the user's assignment (session host PATCH). Reads are not counted: the product polls with one
 * listing per resource group, not per device, so they never bind.
 *
 * Limits, each per subscription (and per principal and region for ARM's buckets):
 * - ARM's write bucket, 200 then 10 per second (learn.microsoft.com, "request-limits-and-throttling",
 *   "Regional throttling and token bucket algorithm"); it starts full.
 * - Compute's Put VM policy, 1,500 then 500 per minute per subscription and region
 *   (learn.microsoft.com, "compute-throttling-limits"; rules.ts `compute.throttle.putVm`).
 * - 25,000 VMs per subscription and region (`vm.count.perRegion`): a fleet needs ⌈N ÷ 25,000⌉
 *   subscriptions whatever the time.
 *
 * Why `+ tail`: every device's pre-VM writes precede its VM PUT, so the last VM PUT comes no sooner
 * than the busiest subscription can issue n × pre-VM writes (and n VM PUTs); that VM then takes
 * the provisioning model's time to be ready (its agent, then the registration). All writes, the
 * post-VM ones too, must also fit: whichever is later binds.
 */

export interface RecoveryLimits {
  writesBurst: number;
  writesPerSecond: number;
  putVmBurst: number;
  putVmPerMinute: number;
  vmsPerSubscriptionRegion: number;
}

/** learn.microsoft.com, "request-limits-and-throttling" and "compute-throttling-limits" (via rules.ts). */
export const documentedRecoveryLimits: RecoveryLimits = {
  writesBurst: 200,
  writesPerSecond: 10,
  putVmBurst: 1_500,
  putVmPerMinute: 500,
  vmsPerSubscriptionRegion: 25_000,
};

/** How long the last device takes after its VM PUT: the ARM double's stated model (rules.ts, assumed). */
export interface ProvisioningModel {
  /** Creating → Succeeded (`vm.provisioning.model`, 90 s). */
  vmSeconds: number;
  /** Succeeded → the guest agent reports Ready (30 s). */
  agentSeconds: number;
  /** With a DR host pool: the Run Command's script and the session host appearing (0 without). */
  registrationSeconds: number;
}

export const assumedProvisioning: ProvisioningModel = {
  vmSeconds: 90,
  agentSeconds: 30,
  registrationSeconds: 0,
};

export interface RecoveryFleet {
  devices: number;
  subscriptions: number;
  /** Writes each device needs up to and including its VM PUT (disk, NIC, VM: 3). */
  writesBeforeVm: number;
  /** Writes each device needs after its VM PUT (host pool: Run Command + assignment = 2; else 0). */
  writesAfterVm: number;
}

export type RecoveryLimit = 'writes' | 'put-vm';

export interface RecoveryBound {
  /** The shortest activation the limits allow, seconds from the first call to the last device ready. */
  seconds: number;
  binding: RecoveryLimit;
  /** Each limit's own bound, tail included. */
  byLimit: Record<RecoveryLimit, number>;
  /** The provisioning model's time after the last VM PUT. */
  tailSeconds: number;
  /** Devices in the busiest subscription: ⌈N ÷ S⌉. */
  devicesPerSubscription: number;
  /** Whether the busiest subscription stays within the VMs a subscription may hold in a region. */
  withinVmLimit: boolean;
}

export const devicesWithoutHostPool = { writesBeforeVm: 3, writesAfterVm: 0 } as const;
export const devicesWithHostPool = { writesBeforeVm: 3, writesAfterVm: 2 } as const;

function drain(calls: number, burst: number, perSecond: number): number {
  return Math.max(0, calls - burst) / perSecond;
}

export function recoveryBound(
  fleet: RecoveryFleet,
  provisioning: ProvisioningModel = assumedProvisioning,
  limits: RecoveryLimits = documentedRecoveryLimits,
): RecoveryBound {
  if (!(Number.isInteger(fleet.devices) && fleet.devices >= 1))
    throw new RangeError('A fleet has at least one device');
  if (!(Number.isInteger(fleet.subscriptions) && fleet.subscriptions >= 1))
    throw new RangeError('A fleet is spread over at least one subscription');
  if (!(fleet.writesBeforeVm >= 1) || !(fleet.writesAfterVm >= 0))
    throw new RangeError('A device needs at least its VM PUT');
  const { vmSeconds, agentSeconds, registrationSeconds } = provisioning;
  if (![vmSeconds, agentSeconds, registrationSeconds].every((s) => s >= 0))
    throw new RangeError('Provisioning times are never negative');
  const n = Math.ceil(fleet.devices / fleet.subscriptions);
  const tailSeconds = vmSeconds + agentSeconds + registrationSeconds;
  const { writesBurst: burst, writesPerSecond: rate } = limits;
  const byLimit: Record<RecoveryLimit, number> = {
    writes: Math.max(
      drain(n * fleet.writesBeforeVm, burst, rate) + tailSeconds,
      drain(n * (fleet.writesBeforeVm + fleet.writesAfterVm), burst, rate),
    ),
    'put-vm': drain(n, limits.putVmBurst, limits.putVmPerMinute / 60) + tailSeconds,
  };
  const binding: RecoveryLimit = byLimit['put-vm'] > byLimit.writes ? 'put-vm' : 'writes';
  return {
    seconds: byLimit[binding],
    binding,
    byLimit,
    tailSeconds,
    devicesPerSubscription: n,
    withinVmLimit: n <= limits.vmsPerSubscriptionRegion,
  };
}

/**
 * The fewest subscriptions (at most `maxSubscriptions`) for which N devices are recovered within
 * `targetSeconds` by the bound and stay within the VMs per subscription; undefined if none is.
 */
export function smallestSubscriptions(
  fleet: Omit<RecoveryFleet, 'subscriptions'>,
  targetSeconds: number,
  provisioning: ProvisioningModel = assumedProvisioning,
  limits: RecoveryLimits = documentedRecoveryLimits,
  maxSubscriptions = 10_000,
): { subscriptions: number; bound: RecoveryBound } | undefined {
  if (!(targetSeconds > 0)) throw new RangeError('A target RTO is positive');
  for (let subscriptions = 1; subscriptions <= maxSubscriptions; subscriptions += 1) {
    const bound = recoveryBound({ ...fleet, subscriptions }, provisioning, limits);
    if (bound.withinVmLimit && bound.seconds <= targetSeconds) return { subscriptions, bound };
  }
  return undefined;
}
