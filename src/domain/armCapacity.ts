/**
 * What Azure's documented limits let one subscription do for restore points of managed disks in
 * one backup (target) region, and so how many subscriptions a fleet needs for an RPO. A pure
 * estimate: every input that is not a documented limit is an assumption the caller states.
 *
 * Documented limits (each per subscription and region):
 * - CopyStart: 100 cross-region copies in flight per target region
 *   (learn.microsoft.com, "disks-copy-incremental-snapshot-across-regions");
 * - 75,000 snapshots (Azure subscription limits, "Managed disks": snapshots per subscription per region);
 * - ARM: writes 200 burst + 10/s, reads 250 + 25/s, deletes as writes, per principal
 *   (learn.microsoft.com, "request-limits-and-throttling").
 */

export const copyStartSlots = 100;
export const snapshotsPerSubscriptionRegion = 75_000;
/** ARM's refill rates per second (the bursts do not change an hourly figure much). */
export const armPerSecond = { write: 10, read: 25, delete: 10 } as const;

/**
 * How long one incremental copy takes: a fixed part (snapshot, the copy's start and its
 * completion polled to 100 %) plus the changed data over the copy's throughput. Assumed, not
 * documented: Azure publishes no CopyStart throughput.
 */
export interface CopyTimeModel {
  fixedMinutes: number;
  /** Data a disk changes per hour, in GiB: only the changes since the last copy travel. */
  changedGiBPerHour: number;
  /** Throughput of one copy, MiB/s. */
  throughputMiBPerSecond: number;
}

/** The assumption the report states when no other is given. */
export const assumedCopyTime: CopyTimeModel = {
  fixedMinutes: 5,
  changedGiBPerHour: 1,
  throughputMiBPerSecond: 20,
};

export interface CapacityAssumptions {
  copyTime: CopyTimeModel;
  /** Target snapshots kept per device (retention): they count against the 75,000. */
  keptPointsPerDevice: number;
  /** Minimum ARM calls of one device's cycle in the target subscription (CopyStart, the prune). */
  writesPerCopy: number;
  deletesPerCopy: number;
  /** Reads besides polling (verification, the catalogue). */
  readsPerCopy: number;
  /** How often a running copy's `completionPercent` is read. */
  pollEverySeconds: number;
}

export const defaultCapacityAssumptions: CapacityAssumptions = {
  copyTime: assumedCopyTime,
  keptPointsPerDevice: 15,
  writesPerCopy: 1,
  deletesPerCopy: 1,
  readsPerCopy: 2,
  pollEverySeconds: 60,
};

/** Minutes one copy takes for a device whose previous copy was `rpoHours` ago. */
export function copyMinutes(model: CopyTimeModel, rpoHours: number): number {
  const changedMiB = model.changedGiBPerHour * rpoHours * 1024;
  return model.fixedMinutes + changedMiB / model.throughputMiBPerSecond / 60;
}

export type Binding = 'copy-concurrency' | 'snapshot-count' | 'arm-writes' | 'arm-reads' | 'arm-deletes';

export interface SubscriptionNeed {
  /** Subscriptions needed in the backup region: the largest of the per-limit figures. */
  subscriptions: number;
  /** Which limit sets it. */
  binding: Binding;
  /** Subscriptions each limit alone needs, rounded up. */
  perLimit: Record<Binding, number>;
  /** The same before rounding: loads of several policies sharing a region add up. */
  load: Record<Binding, number>;
  /** Copies a subscription completes an hour at CopyStart's concurrency: 100 × 60 / copy minutes. */
  copiesPerHourPerSubscription: number;
  /** Copies an hour the fleet needs: one per device per RPO window. */
  copiesPerHour: number;
  copyMinutes: number;
  /** False when one copy takes longer than the RPO itself: no number of subscriptions helps. */
  feasible: boolean;
}

/**
 * Subscriptions a fleet of `devices` with one RPO needs in one backup region. Each device needs a
 * verified copy per RPO window; copies in flight = rate × duration (Little's law) ≤ 100 per
 * subscription; snapshots kept ≤ 75,000 per subscription; ARM calls per hour ≤ the refill rate.
 */
export function subscriptionsNeeded(
  devices: number,
  rpoHours: number,
  assumptions: CapacityAssumptions = defaultCapacityAssumptions,
): SubscriptionNeed {
  if (!(rpoHours > 0)) throw new RangeError('rpoHours must be positive');
  const minutes = copyMinutes(assumptions.copyTime, rpoHours);
  const copiesPerHour = devices / rpoHours;
  const copiesPerHourPerSubscription = (copyStartSlots * 60) / minutes;
  const pollsPerCopy = Math.ceil((minutes * 60) / assumptions.pollEverySeconds);
  const perHour = (perSecond: number) => perSecond * 3600;
  const load: Record<Binding, number> = {
    'copy-concurrency': copiesPerHour / copiesPerHourPerSubscription,
    'snapshot-count': (devices * assumptions.keptPointsPerDevice) / snapshotsPerSubscriptionRegion,
    'arm-writes': (copiesPerHour * assumptions.writesPerCopy) / perHour(armPerSecond.write),
    'arm-reads': (copiesPerHour * (assumptions.readsPerCopy + pollsPerCopy)) / perHour(armPerSecond.read),
    'arm-deletes': (copiesPerHour * assumptions.deletesPerCopy) / perHour(armPerSecond.delete),
  };
  const { subscriptions, binding, perLimit } = neededFor(load);
  return {
    subscriptions,
    binding,
    perLimit,
    load,
    copiesPerHourPerSubscription,
    copiesPerHour,
    copyMinutes: minutes,
    feasible: minutes < rpoHours * 60,
  };
}

/** Subscriptions a load needs (several policies' loads summed, or one): the largest limit's, at least 1 for any load. */
export function neededFor(load: Record<Binding, number>): {
  subscriptions: number;
  binding: Binding;
  perLimit: Record<Binding, number>;
} {
  // Rounded to a millionth first: 250.0000000001 copies' worth is 250 subscriptions, not 251.
  const perLimit = Object.fromEntries(
    Object.entries(load).map(([limit, value]) => [limit, Math.ceil(Math.round(value * 1e6) / 1e6)]),
  ) as Record<Binding, number>;
  let binding: Binding = 'copy-concurrency';
  for (const limit of Object.keys(perLimit) as Binding[])
    if (perLimit[limit] > perLimit[binding]) binding = limit;
  return { subscriptions: perLimit[binding], binding, perLimit };
}

/** The fleet question of issue 28: subscriptions per backup region for 50,000 devices at 1 h and 4 h RPO. */
export function fleetSubscriptions(
  devices = 50_000,
  rpoHours: readonly number[] = [1, 4],
  assumptions: CapacityAssumptions = defaultCapacityAssumptions,
): { rpoHours: number; need: SubscriptionNeed }[] {
  return rpoHours.map((hours) => ({
    rpoHours: hours,
    need: subscriptionsNeeded(devices, hours, assumptions),
  }));
}

/** The assumption behind an estimate, in words, for a report. */
export function describeAssumptions(assumptions: CapacityAssumptions, rpoHours: number): string {
  const { copyTime } = assumptions;
  return (
    `assumed: a copy takes ${copyMinutes(copyTime, rpoHours).toFixed(1)} min (${copyTime.fixedMinutes} min fixed + ` +
    `${copyTime.changedGiBPerHour} GiB changed per hour at ${copyTime.throughputMiBPerSecond} MiB/s), ` +
    `${assumptions.keptPointsPerDevice} points kept per device; documented: ${copyStartSlots} copies in flight and ` +
    `${snapshotsPerSubscriptionRegion.toLocaleString('en-US')} snapshots per subscription per region, ARM ${armPerSecond.write} writes/s`
  );
}
