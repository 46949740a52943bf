/**
 * A smoke run of `managed-cycle-arm` (16 devices over 2 subscriptions, 4 CopyStart slots per
 * subscription so half the copies wait for a grant and its wake-up): through the product's
 * ArmDiskSource and ManagedDiskRestorePointStore, the pacer, the slot scheduler and the catalogue
 * on Azurite, both cycles protect every device with one snapshot and one copy per slot, no call
 * goes over budget, no more copies run than the slots allow, and retention leaves one point per
 * device. Never how fast (benchmarks are not tests).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  defaultManagedCycleArmSettings,
  runManagedCycleArm,
  type ManagedCycleArmResult,
} from '../../bench/managedCycleArm';

const devices = 16;
const slotsPerSubscription = 4;

describe('managed-cycle-arm (smoke run, 16 devices, 2 subscriptions)', () => {
  let result: ManagedCycleArmResult;
  const log: string[] = [];

  beforeAll(async () => {
    result = await runManagedCycleArm({
      ...defaultManagedCycleArmSettings,
      devices,
      subscriptions: 2,
      copySlots: slotsPerSubscription,
      // A fast clock and 1-GiB disks (every copy its 5-minute minimum): what is checked is the
      // protocol, not the model.
      timeScale: 100,
      model: { ...defaultManagedCycleArmSettings.model, diskGiB: 1 },
      catalogue: 'azurite',
      timeoutMinutes: 2,
      log: (line) => log.push(line),
    });
  }, 240_000);

  it.each(['seeding', 'steady'] as const)(
    'protects every device in the %s cycle within ARM’s budget, every figure finite',
    (name) => {
      const cycle = result[name];
      expect(cycle).toMatchObject({ recorded: devices, givenUp: 0, timedOut: false, overBudget: 0 });
      expect(cycle.throttled.arm).toBe(0);
      for (const value of [
        cycle.simulatedSeconds,
        cycle.realSeconds,
        cycle.firstSimulatedSeconds,
        cycle.bound.seconds,
        cycle.boundRatio,
        cycle.armCallsPerDevice.total,
      ])
        expect(Number.isFinite(value) && value > 0).toBe(true);
      // The snapshot PUT and the CopyStart PUT at least; every copy had to be granted a slot.
      expect(cycle.armCallsPerDevice.byCall['PUT snapshots']).toBeGreaterThanOrEqual(2);
      expect(cycle.slots.grants).toBeGreaterThanOrEqual(devices);
    },
  );

  it('makes one source snapshot and one copy per device and slot, and keeps one of each', () => {
    expect(result.checks.perSlot).toMatchObject({
      slots: devices * 2,
      exactlyOne: devices * 2,
      missing: 0,
      duplicated: 0,
    });
    // Retention keeps one point: the seed's copy pruned and its source released, the steady
    // point's source kept as the next copy's base.
    expect(result.checks.liveAfter).toEqual({ sources: devices, copies: devices });
    expect(result.seeding.armCallsPerDevice.delete).toBe(0);
    expect(result.steady.armCallsPerDevice.byCall['DELETE snapshots']).toBe(2);
    expect(result.checks.catalogueOk).toBe(devices);
  });

  it('never runs more copies than the slots allow, and fills them', () => {
    expect(result.checks.maxCopiesInFlight).toBe(slotsPerSubscription);
    expect(result.checks.maxSlotsGranted).toBe(slotsPerSubscription);
    expect(result.checks.refusals['copy.inFlight'] ?? 0).toBe(0);
  });
});
