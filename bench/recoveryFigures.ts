/**
 * The figures both recovery runs report from what happened (the direct drive, recoveryArm.ts, and
 * the product path, recoveryArmProduct.ts), computed the same way so their rows compare: when
 * devices were ready, when the last VM PUT was accepted, and whether each device got exactly one
 * VM, disk and NIC, its disk copied from its own restore point.
 */
import { temporaryDeviceTag } from '../src/adapters/compute/azure/temporaryDeviceResources';
import type { DiskView, NicView, VmView } from '../test/support/arm/startArmDouble';

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface ReadyFigures {
  /** Simulated seconds from the start to the last device ready (the RTO Azure would see). */
  rtoSeconds: number;
  firstReadySeconds: number;
  /** What users wait: the median and the mean device. */
  medianReadySeconds: number;
  meanReadySeconds: number;
}

/** From the simulated ms each device was ready at; NaN where no device was. */
export function readyFigures(startedAt: number, readyAt: readonly number[]): ReadyFigures {
  const sorted = readyAt.map((t) => (t - startedAt) / 1000).sort((a, b) => a - b);
  if (sorted.length === 0)
    return {
      rtoSeconds: Number.NaN,
      firstReadySeconds: Number.NaN,
      medianReadySeconds: Number.NaN,
      meanReadySeconds: Number.NaN,
    };
  return {
    rtoSeconds: round(sorted.at(-1)!),
    firstReadySeconds: round(sorted[0]!),
    medianReadySeconds: round(sorted[Math.floor((sorted.length - 1) / 2)]!),
    meanReadySeconds: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Simulated seconds from the start to the last VM PUT Compute accepted (the write-bound part). */
export function lastVmPutSeconds(vms: readonly VmView[], startedAt: number): number {
  const last = vms.reduce((latest, vm) => Math.max(latest, vm.timeCreated), startedAt);
  return round((last - startedAt) / 1000);
}

export interface ExactlyOnce {
  vms: number;
  disks: number;
  nics: number;
  /** Live disks not copied from their own device's restore point (or not tagged with a device). */
  wrongSource: number;
  ok: boolean;
}

/** What the double made: its VMs, disks (made by PUT) and NICs, deleted ones included. */
export interface MadeResources {
  vms: readonly VmView[];
  disks: readonly DiskView[];
  nics: readonly NicView[];
}

/**
 * One live VM, disk and NIC per device and no more, each disk copied from the snapshot its device
 * was to be recovered from. `snapshotOf`: each temporary device's name → that snapshot's ARM id.
 */
export function exactlyOnce(made: MadeResources, snapshotOf: ReadonlyMap<string, string>): ExactlyOnce {
  const expected = new Map([...snapshotOf].map(([name, id]) => [name.toLowerCase(), id.toLowerCase()]));
  const vms = made.vms.filter((v) => !v.deleted).length;
  const liveDisks = made.disks.filter((d) => !d.deleted);
  const nics = made.nics.filter((n) => !n.deleted).length;
  const wrongSource = liveDisks.filter((d) => {
    const owner = d.tags[temporaryDeviceTag]?.toLowerCase();
    return !owner || d.sourceResourceId?.toLowerCase() !== expected.get(owner);
  }).length;
  const n = expected.size;
  return {
    vms,
    disks: liveDisks.length,
    nics,
    wrongSource,
    ok: vms === n && liveDisks.length === n && nics === n && wrongSource === 0,
  };
}
