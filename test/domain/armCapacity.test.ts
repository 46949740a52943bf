import { describe, expect, it } from 'vitest';
import {
  copyMinutes,
  defaultCapacityAssumptions,
  fleetSubscriptions,
  subscriptionsNeeded,
  type CapacityAssumptions,
} from '../../src/domain/armCapacity';

/** Copies of a fixed 30 minutes, whatever the RPO: easy to check by hand. */
const thirtyMinutes: CapacityAssumptions = {
  ...defaultCapacityAssumptions,
  copyTime: { fixedMinutes: 30, changedGiBPerHour: 0, throughputMiBPerSecond: 1 },
};

describe('subscriptionsNeeded', () => {
  it('applies Little’s law to CopyStart’s 100 copies in flight: 50,000 devices, 1 h RPO, 30 min copies → 250 subscriptions', () => {
    const need = subscriptionsNeeded(50_000, 1, thirtyMinutes);
    expect(need.copiesPerHourPerSubscription).toBe(200);
    expect(need.perLimit['copy-concurrency']).toBe(250);
    expect(need).toMatchObject({ subscriptions: 250, binding: 'copy-concurrency', feasible: true });
    // A 4 h RPO needs a quarter of the copies an hour.
    expect(subscriptionsNeeded(50_000, 4, thirtyMinutes).subscriptions).toBe(63);
  });

  it('counts kept snapshots against 75,000 per subscription and region: the binding limit when copies are quick', () => {
    const quick: CapacityAssumptions = {
      ...thirtyMinutes,
      copyTime: { fixedMinutes: 1, changedGiBPerHour: 0, throughputMiBPerSecond: 1 },
    };
    const need = subscriptionsNeeded(50_000, 4, quick);
    // 50,000 × 15 / 75,000 = 10; copies: 12,500 an hour at 6,000 a subscription → 3.
    expect(need.perLimit['snapshot-count']).toBe(10);
    expect(need).toMatchObject({ subscriptions: 10, binding: 'snapshot-count' });
  });

  it('counts ARM calls per hour against the documented refill rates', () => {
    const chatty: CapacityAssumptions = { ...thirtyMinutes, pollEverySeconds: 1 };
    const need = subscriptionsNeeded(50_000, 1, chatty);
    // 1,800 polls + 2 reads per copy × 50,000 copies an hour ÷ (25 × 3,600) reads a subscription.
    expect(need.perLimit['arm-reads']).toBe(Math.ceil((50_000 * 1_802) / 90_000));
    expect(need.binding).toBe('arm-reads');
    // One write per copy: 50,000 ÷ 36,000.
    expect(need.perLimit['arm-writes']).toBe(2);
  });

  it('says a copy longer than the RPO cannot meet it, however many subscriptions', () => {
    const slow: CapacityAssumptions = {
      ...thirtyMinutes,
      copyTime: { fixedMinutes: 75, changedGiBPerHour: 0, throughputMiBPerSecond: 1 },
    };
    expect(subscriptionsNeeded(10, 1, slow).feasible).toBe(false);
    expect(subscriptionsNeeded(10, 2, slow).feasible).toBe(true);
  });

  it('needs nothing for no devices, one subscription for a few, and refuses an RPO of zero', () => {
    expect(subscriptionsNeeded(0, 1).subscriptions).toBe(0);
    expect(subscriptionsNeeded(3, 24).subscriptions).toBe(1);
    expect(() => subscriptionsNeeded(3, 0)).toThrow(RangeError);
  });
});

describe('copyMinutes', () => {
  it('is the fixed part plus the changes of one RPO window over the throughput', () => {
    // 2 GiB/h × 4 h = 8,192 MiB at 16 MiB/s = 512 s.
    expect(copyMinutes({ fixedMinutes: 3, changedGiBPerHour: 2, throughputMiBPerSecond: 16 }, 4)).toBeCloseTo(
      3 + 512 / 60,
    );
  });
});

describe('fleetSubscriptions', () => {
  it('answers for 50,000 devices at a 1 h and a 4 h RPO under the stated assumptions, a longer RPO never needing more', () => {
    const [hourly, fourHourly] = fleetSubscriptions();
    expect(hourly!.rpoHours).toBe(1);
    expect(fourHourly!.rpoHours).toBe(4);
    expect(hourly!.need.subscriptions).toBeGreaterThanOrEqual(fourHourly!.need.subscriptions);
    // Snapshot count alone: 50,000 × 15 kept points over 75,000 per subscription (issue 28's figure).
    expect(fourHourly!.need.perLimit['snapshot-count']).toBe(10);
    expect(hourly!.need.subscriptions).toBe(subscriptionsNeeded(50_000, 1).subscriptions);
  });
});
