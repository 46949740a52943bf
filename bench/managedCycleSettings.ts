/**
 * The managed-disk cycle's stated model and timings (bench/README.md, "The managed-disk cycle"):
 * what each copy moves and how fast, how often the product polls, and how much faster than real
 * time the ARM double runs. Every product timing is given in the double's simulated time and
 * divided by the time scale before the product gets it, so the product polls as often *in
 * simulated time* as it would in Azure with its defaults.
 */
import { assumedCopyTime } from '../src/domain/armCapacity';
import type { CopyModel } from './managedCycleBound';

export interface ManagedCycleSettings {
  /** Simulated seconds per real second (the ARM double's `timeScale`). */
  timeScale: number;
  /** Each OS disk's size: what its first (seeding) copy moves (the double copies a disk whole). */
  diskGiB: number;
  /** Data a desktop changes per hour: what the steady cycle's copy moves, an hour after the seed. */
  changedGiBPerHour: number;
  copy: CopyModel;
  /**
   * The worker's `checkDelayInMs`: how often a pending copy whose pace is not known yet is looked
   * at (what the bound's polling reads assume for every running copy).
   */
  copyPollSeconds: number;
  /** The worker's `minCopyCheckDelayInMs` and `maxCopyCheckDelayInMs`: a running copy's looks, by its pace. */
  copyCheckSeconds: { min: number; max: number };
  /** The worker's `slotWaitCheckDelayInMs`: a copy waiting for a slot asks again itself (its grant wakes it). */
  slotWaitCheckSeconds: number;
  /**
   * The worker's `snapshotCheckDelayInMs`: how long after a snapshot's PUT its copy is first asked
   * for (the create's operation is not polled: start–record–check).
   */
  snapshotCheckSeconds: number;
  /** How often ARM's long-running operations are polled (`arm.pollIntervalInMs`). */
  operationPollSeconds: number;
  /** The `grantCopySlots` timer's period. */
  slotTickSeconds: number;
  /** Content compared on 1 point in this many (`ARM_CONTENT_SAMPLE_EVERY`'s default). */
  contentSampleEvery: number;
}

const mibPerGib = 1024;

/**
 * armCapacity.ts's assumed copy time, as the double can model it: 20 MiB/s (70.3 GiB/h) and a
 * 5-minute floor per copy (armCapacity adds its 5 fixed minutes; the double takes the larger of
 * the two), 1 GiB changed per hour. The product's own timings (RestorePointWorker's defaults): a
 * copy without a known pace looked at every 10 s, a running one half way to its expected end
 * (2–60 s), one waiting for a slot after 5 min unless its grant wakes it first, a snapshot's copy
 * first asked for 5 s after its PUT; operations polled every
 * 2 s, slots granted every 5 s (grantCopySlots), content compared on 1 point in 10
 * (ManagedDiskRestorePointStore).
 */
export const defaultManagedCycleSettings: ManagedCycleSettings = {
  timeScale: 4,
  diskGiB: 16,
  changedGiBPerHour: assumedCopyTime.changedGiBPerHour,
  copy: {
    gibPerHour: (assumedCopyTime.throughputMiBPerSecond * 3600) / mibPerGib,
    minimumSeconds: assumedCopyTime.fixedMinutes * 60,
  },
  copyPollSeconds: 10,
  copyCheckSeconds: { min: 2, max: 60 },
  slotWaitCheckSeconds: 300,
  snapshotCheckSeconds: 5,
  operationPollSeconds: 2,
  slotTickSeconds: 5,
  contentSampleEvery: 10,
};
