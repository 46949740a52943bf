/**
 * ARM's token buckets made small at test scale, and the pacer told the same limits on the double's
 * clock: for system tests that must overrun ARM's budget within a cycle (managedDiskScale,
 * azureRecoveryFaults), so that the pacer has to hold calls back and the double counts any call
 * that reaches an empty bucket as over budget.
 */
import type { ArmPacerOptions } from '../../../src/adapters/arm/pacing/ArmPacer';
import type { ArmCallKind } from '../../../src/adapters/arm/pacing/armLimits';
import type { PacerTimer } from '../../../src/adapters/arm/pacing/pacerTimer';
import type { TokenBucketLimits } from '../../../src/domain/tokenBucket';
import { pacerOnDoubleClock } from '../../../bench/pacerOnDoubleClock';
import type { ArmDouble, ArmLimits } from './startArmDouble';

/** One real second is an hour of the double's time: a 16 GiB seed copy takes ~10 simulated minutes. */
export const timeScale = 3_600;

/** A rate per real second, as the double's limits take it: per simulated second. */
export const perRealSecond = (calls: number): number => calls / timeScale;

/**
 * ARM's buckets at test scale (documented: 250 reads at 25/s; 200 writes and 200 deletes at
 * 10/s): the same burst-and-refill, with a burst below a queue host's handlers at once, so the
 * bursts of a busy moment empty it whatever this machine's speed.
 */
export const testScaleBuckets = {
  readsBucket: 10,
  readsRefillPerSecond: perRealSecond(120),
  writesBucket: 10,
  writesRefillPerSecond: perRealSecond(80),
  deletesBucket: 10,
  deletesRefillPerSecond: perRealSecond(80),
} satisfies Partial<ArmLimits>;

/** The same limits told to the pacer, as a subscription with other than the documented limits would be. */
export const testScalePacerLimits: Record<ArmCallKind, TokenBucketLimits> = {
  read: { capacity: testScaleBuckets.readsBucket, refillPerSecond: testScaleBuckets.readsRefillPerSecond },
  write: { capacity: testScaleBuckets.writesBucket, refillPerSecond: testScaleBuckets.writesRefillPerSecond },
  delete: {
    capacity: testScaleBuckets.deletesBucket,
    refillPerSecond: testScaleBuckets.deletesRefillPerSecond,
  },
};

/** The pacer's timer on the double's clock at `timeScale`, with the documented limits (bench/pacerOnDoubleClock.ts). */
export function doubleClockTimer(double: Pick<ArmDouble, 'clock'>): PacerTimer {
  return pacerOnDoubleClock(double, timeScale);
}

/**
 * The pacer's options against a double started at `timeScale` with `testScaleBuckets`: it reckons
 * on the double's clock, as it reckons on ARM's in production (its refill and a `Retry-After` are
 * simulated time; a wait of simulated ms is that ÷ timeScale real ms), and its default bound of
 * 10 s, wall-clock time a worker call may wait, is counted on that clock too.
 */
export function testScalePacer(double: Pick<ArmDouble, 'clock'>): Omit<ArmPacerOptions, 'region'> {
  return {
    timer: doubleClockTimer(double),
    limits: testScalePacerLimits,
    maxWaitInMs: 10_000 * timeScale,
  };
}
