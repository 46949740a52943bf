import { describe, expect, it } from 'vitest';
import {
  assumedProvisioning,
  devicesWithHostPool,
  devicesWithoutHostPool,
  documentedRecoveryLimits,
  recoveryBound,
  smallestSubscriptions,
} from '../../bench/recoveryBound';

const fleet = (devices: number, subscriptions: number) => ({
  devices,
  subscriptions,
  ...devicesWithoutHostPool,
});

describe('recoveryBound', () => {
  it('is the busiest subscription draining its writes after the burst, then the last VM provisioning', () => {
    // 1,000 devices × 3 writes = 3,000; 200 in the burst, 2,800 at 10/s = 280 s; + 90 s + 30 s.
    const bound = recoveryBound(fleet(1_000, 1));
    expect(bound).toMatchObject({ binding: 'writes', tailSeconds: 120, devicesPerSubscription: 1_000 });
    expect(bound.seconds).toBe(400);
    // 1,000 VM PUTs fit Compute's burst of 1,500: only the tail.
    expect(bound.byLimit['put-vm']).toBe(120);
  });

  it('divides the fleet over the subscriptions, the busiest taking the rounded-up share', () => {
    const bound = recoveryBound(fleet(10_001, 4));
    expect(bound.devicesPerSubscription).toBe(2_501);
    expect(bound.seconds).toBeCloseTo((2_501 * 3 - 200) / 10 + 120, 9);
  });

  it('never goes below one device: a fleet within the burst is the provisioning time', () => {
    expect(recoveryBound(fleet(10, 1)).seconds).toBe(120);
  });

  it("lets Compute's Put VM rate bind when ARM's write budget is larger", () => {
    const generous = { ...documentedRecoveryLimits, writesPerSecond: 100, writesBurst: 0 };
    const bound = recoveryBound(fleet(10_000, 1), assumedProvisioning, generous);
    // (10,000 − 1,500) VM PUTs at 500 a minute = 1,020 s; writes 300 s.
    expect(bound.binding).toBe('put-vm');
    expect(bound.seconds).toBeCloseTo(1_020 + 120, 9);
    expect(bound.byLimit.writes).toBeCloseTo(300 + 120, 9);
  });

  it('with a host pool, adds the registration to the tail and the two later writes to the budget', () => {
    const provisioning = { ...assumedProvisioning, registrationSeconds: 80 };
    const bound = recoveryBound({ devices: 1_000, subscriptions: 1, ...devicesWithHostPool }, provisioning);
    // Pre-VM writes then the tail: 280 + 200 = 480; every write: (5,000 − 200) ÷ 10 = 480.
    expect(bound.tailSeconds).toBe(200);
    expect(bound.seconds).toBe(480);
    const many = recoveryBound({ devices: 10_000, subscriptions: 1, ...devicesWithHostPool }, provisioning);
    // 2,980 + 200 against (50,000 − 200) ÷ 10 = 4,980: the later writes bind.
    expect(many.seconds).toBe(4_980);
  });

  it("marks a subscription holding more than 25,000 of the fleet's VMs", () => {
    expect(recoveryBound(fleet(50_000, 1)).withinVmLimit).toBe(false);
    expect(recoveryBound(fleet(50_000, 2)).withinVmLimit).toBe(true);
  });

  it('refuses fleets that cannot be', () => {
    expect(() => recoveryBound(fleet(0, 1))).toThrow(RangeError);
    expect(() => recoveryBound(fleet(10, 0))).toThrow(RangeError);
    expect(() =>
      recoveryBound({ devices: 1, subscriptions: 1, writesBeforeVm: 0, writesAfterVm: 0 }),
    ).toThrow(RangeError);
    expect(() => recoveryBound(fleet(1, 1), { ...assumedProvisioning, vmSeconds: -1 })).toThrow(RangeError);
  });
});

describe('smallestSubscriptions', () => {
  it("finds the fewest subscriptions whose bound meets the target, never fewer than the VM limit's", () => {
    // Windows 365's 4 hours: one subscription's bound is 15,100 s (and it would hold 50,000 VMs).
    const fourHours = smallestSubscriptions({ devices: 50_000, ...devicesWithoutHostPool }, 4 * 3600);
    expect(fourHours?.subscriptions).toBe(2);
    // 31 minutes (1,860 s): 3 × ⌈50,000 ÷ S⌉ − 200 ≤ 17,400 needs S ≥ 8.52.
    const drPlus = smallestSubscriptions({ devices: 50_000, ...devicesWithoutHostPool }, 31 * 60);
    expect(drPlus?.subscriptions).toBe(9);
    expect(drPlus?.bound.seconds).toBeLessThanOrEqual(1_860);
    expect(recoveryBound(fleet(50_000, 8)).seconds).toBeGreaterThan(1_860);
  });

  it('answers undefined when no number of subscriptions can meet the target', () => {
    // The last VM alone takes 120 s.
    expect(smallestSubscriptions({ devices: 10, ...devicesWithoutHostPool }, 60)).toBeUndefined();
  });
});
