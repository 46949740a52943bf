/**
 * The shortest time ARM's documented limits allow for one managed-disk protection cycle of N
 * devices all due at once, from the fewest ARM calls the protocol needs per device — not from the
 * calls the product makes — and from CopyStart's concurrency. Pure: the benchmark compares its
 * measured cycle with this (bench/README.md, "The managed-disk cycle").
 *
 * Per device and cycle, the protocol needs (learn.microsoft.com, "disks-incremental-snapshots",
 * "disks-copy-incremental-snapshot-across-regions", "async-operations"):
 * - writes: the incremental snapshot's PUT, the CopyStart PUT; on a content-sampled point a SAS
 *   grant and a revoke of each of the two snapshots (POST, a write);
 * - reads: the snapshot's create operation polled until it succeeds (CopyStart needs a source that
 *   exists), the copy's `completionPercent` polled until it reads 100 (that read also carries the
 *   size, security type and source the verification compares; the source's came with its PUT),
 *   and each SAS grant polled until it answers the URL;
 * - deletes: once retention is at its steady state, the point it drops (the old target) and the
 *   source snapshot the new point released; deletes and revokes are not awaited (nothing depends
 *   on them), so they need no reads.
 * Each kind draws on its token bucket (one subscription, one principal: the bench's set-up), which
 * starts full: a kind needs max(0, calls − burst) ÷ refill seconds. A copy holds one of the 100
 * slots of its (subscription, target region) from its PUT until its data has moved: N × that ÷ 100.
 */

export interface ArmBuckets {
  readsBurst: number;
  readsPerSecond: number;
  writesBurst: number;
  writesPerSecond: number;
  deletesBurst: number;
  deletesPerSecond: number;
  /** CopyStart copies in flight per subscription and target region. */
  copySlots: number;
}

/** learn.microsoft.com, "request-limits-and-throttling" and "disks-copy-incremental-snapshot-across-regions". */
export const documentedArmBuckets: ArmBuckets = {
  readsBurst: 250,
  readsPerSecond: 25,
  writesBurst: 200,
  writesPerSecond: 10,
  deletesBurst: 200,
  deletesPerSecond: 10,
  copySlots: 100,
};

/** How long a copy's data takes to move: the ARM double's model (rules.ts, copy.throughput and copy.minimumDuration). */
export interface CopyModel {
  /** GiB a copy moves per hour. */
  gibPerHour: number;
  /** No copy ends sooner than this, however little it moves. */
  minimumSeconds: number;
}

export interface CycleProtocol {
  devices: number;
  /** GiB each device's copy moves this cycle: the disk's size when seeding, its changes since after. */
  copyGiB: number;
  copy: CopyModel;
  /** A long-running operation's own duration (snapshot create, SAS grant; the double's lroMs). */
  operationSeconds: number;
  /** How often a long-running operation is polled. */
  operationPollSeconds: number;
  /** How often a running copy's `completionPercent` is read. */
  copyPollSeconds: number;
  /** Content compared on 1 point in this many (0: never). */
  contentSampleEvery: number;
  /** Snapshots deleted per device this cycle: 0 when seeding, 2 at retention's steady state. */
  deletesPerDevice: number;
  buckets?: ArmBuckets;
}

export type BoundLimit = 'writes' | 'reads' | 'deletes' | 'copy-concurrency';

export interface CycleBound {
  /** The shortest cycle the limits allow, simulated seconds: the largest of `byLimit`. */
  seconds: number;
  binding: BoundLimit;
  byLimit: Record<BoundLimit, number>;
  /** The fewest ARM calls one device needs this cycle, by kind (fractions: sampled points). */
  minimumCallsPerDevice: { writes: number; reads: number; deletes: number };
  /** One copy's data movement, and the time it holds a slot (its PUT's operation, then the data). */
  copySeconds: number;
  slotSeconds: number;
}

export function copySeconds(copy: CopyModel, gib: number): number {
  if (!(copy.gibPerHour > 0) || !(copy.minimumSeconds >= 0) || !(gib >= 0))
    throw new RangeError('A copy model needs gibPerHour > 0, minimumSeconds ≥ 0 and gib ≥ 0');
  return Math.max(copy.minimumSeconds, (gib / copy.gibPerHour) * 3600);
}

/** Polls at `interval` of something that takes `duration`: the first that sees it done (at least one). */
export function pollsUntilDone(durationSeconds: number, intervalSeconds: number): number {
  if (!(intervalSeconds > 0)) throw new RangeError('A polling interval must be positive');
  return Math.max(1, Math.ceil(durationSeconds / intervalSeconds - 1e-9));
}

export function cycleBound(protocol: CycleProtocol): CycleBound {
  const b = protocol.buckets ?? documentedArmBuckets;
  if (!(Number.isInteger(protocol.devices) && protocol.devices >= 1))
    throw new RangeError('A cycle has at least one device');
  const copy = copySeconds(protocol.copy, protocol.copyGiB);
  const operationPolls = pollsUntilDone(protocol.operationSeconds, protocol.operationPollSeconds);
  const sampled = protocol.contentSampleEvery > 0 ? 1 / protocol.contentSampleEvery : 0;
  const minimumCallsPerDevice = {
    writes: 2 + 4 * sampled,
    reads: operationPolls + pollsUntilDone(copy, protocol.copyPollSeconds) + 2 * operationPolls * sampled,
    deletes: protocol.deletesPerDevice,
  };
  const n = protocol.devices;
  const drain = (calls: number, burst: number, perSecond: number) => Math.max(0, calls - burst) / perSecond;
  const slotSeconds = protocol.operationSeconds + copy;
  const byLimit: Record<BoundLimit, number> = {
    writes: drain(n * minimumCallsPerDevice.writes, b.writesBurst, b.writesPerSecond),
    reads: drain(n * minimumCallsPerDevice.reads, b.readsBurst, b.readsPerSecond),
    deletes: drain(n * minimumCallsPerDevice.deletes, b.deletesBurst, b.deletesPerSecond),
    'copy-concurrency': (n * slotSeconds) / b.copySlots,
  };
  let binding: BoundLimit = 'copy-concurrency';
  for (const limit of Object.keys(byLimit) as BoundLimit[])
    if (byLimit[limit] > byLimit[binding]) binding = limit;
  return {
    seconds: byLimit[binding],
    binding,
    byLimit,
    minimumCallsPerDevice,
    copySeconds: copy,
    slotSeconds,
  };
}
