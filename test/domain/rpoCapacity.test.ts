import { describe, expect, it } from 'vitest';
import { defaultCapacityAssumptions, type CapacityAssumptions } from '../../src/domain/armCapacity';
import { capacityWarnings, type PolicyDemand } from '../../src/domain/rpoCapacity';

/** 30-minute copies: a subscription completes 200 an hour at CopyStart's 100 in flight. */
const assumptions: CapacityAssumptions = {
  ...defaultCapacityAssumptions,
  copyTime: { fixedMinutes: 30, changedGiBPerHour: 0, throughputMiBPerSecond: 1 },
};
const policy = (over: Partial<PolicyDemand>): PolicyDemand => ({
  policyId: 'hourly',
  backupRegion: 'northeurope',
  rpoHours: 1,
  enabled: true,
  devices: 100,
  ...over,
});

describe('capacityWarnings', () => {
  it('says nothing while the subscriptions suffice', () => {
    expect(capacityWarnings([policy({ devices: 400 })], new Map([['northeurope', 2]]), assumptions)).toEqual(
      [],
    );
  });

  it('names the policy, the subscriptions needed and the assumption when they do not', () => {
    const [warning, ...rest] = capacityWarnings(
      [policy({ devices: 401 })],
      new Map([['northeurope', 2]]),
      assumptions,
    );
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({
      policyId: 'hourly',
      backupRegion: 'northeurope',
      subscriptions: 2,
      subscriptionsNeeded: 3,
      binding: 'copy-concurrency',
      feasible: true,
    });
    expect(warning!.message).toContain('Policy hourly');
    expect(warning!.message).toContain('needs 3 subscription(s)');
    expect(warning!.assumption).toContain('a copy takes 30.0 min');
  });

  it('adds up the policies sharing a backup region, and warns each of them', () => {
    const policies = [
      policy({ policyId: 'a', devices: 300 }),
      policy({ policyId: 'b', devices: 400, rpoHours: 4 }),
      policy({ policyId: 'c', backupRegion: 'swedencentral', devices: 10 }),
      policy({ policyId: 'off', devices: 100_000, enabled: false }),
    ];
    // 300 an hour + 100 an hour = 2 subscriptions: enough.
    expect(
      capacityWarnings(
        policies,
        new Map([
          ['northeurope', 2],
          ['swedencentral', 1],
        ]),
        assumptions,
      ),
    ).toEqual([]);
    const warnings = capacityWarnings(
      policies,
      new Map([
        ['northeurope', 1],
        ['swedencentral', 1],
      ]),
      assumptions,
    );
    expect(warnings.map((w) => [w.policyId, w.subscriptionsNeeded])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    // No subscription at all in a region a policy targets.
    expect(
      capacityWarnings(policies, new Map([['northeurope', 2]]), assumptions).map((w) => w.policyId),
    ).toEqual(['c']);
  });

  it('tells a policy whose RPO is shorter than one copy that no subscription count helps', () => {
    const slow = {
      ...assumptions,
      copyTime: { fixedMinutes: 90, changedGiBPerHour: 0, throughputMiBPerSecond: 1 },
    };
    const [warning] = capacityWarnings([policy({ devices: 1 })], new Map([['northeurope', 50]]), slow);
    expect(warning).toMatchObject({ feasible: false });
    expect(warning!.message).toContain('no number of subscriptions meets it');
  });
});
