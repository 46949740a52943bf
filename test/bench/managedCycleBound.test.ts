import { describe, expect, it } from 'vitest';
import {
  copySeconds,
  cycleBound,
  documentedArmBuckets,
  pollsUntilDone,
  type CycleProtocol,
} from '../../bench/managedCycleBound';

/** armCapacity's copy model as the double runs it: 20 MiB/s, never under 5 minutes. */
const model = { gibPerHour: 70.3125, minimumSeconds: 300 };
const steady: CycleProtocol = {
  devices: 1_000,
  copyGiB: 1,
  copy: model,
  operationSeconds: 5,
  operationPollSeconds: 2,
  copyPollSeconds: 10,
  contentSampleEvery: 10,
  deletesPerDevice: 2,
};

describe('copySeconds', () => {
  it('is the data over the throughput, never below the minimum', () => {
    expect(copySeconds(model, 1)).toBe(300);
    expect(copySeconds(model, 70.3125)).toBe(3600);
    expect(copySeconds({ gibPerHour: 100, minimumSeconds: 0 }, 0)).toBe(0);
  });

  it('refuses a model that cannot be', () => {
    expect(() => copySeconds({ gibPerHour: 0, minimumSeconds: 0 }, 1)).toThrow(RangeError);
    expect(() => copySeconds(model, -1)).toThrow(RangeError);
  });
});

describe('pollsUntilDone', () => {
  it('counts the polls up to and including the first that sees it done, at least one', () => {
    expect(pollsUntilDone(5, 2)).toBe(3);
    expect(pollsUntilDone(300, 10)).toBe(30);
    expect(pollsUntilDone(0, 10)).toBe(1);
    expect(() => pollsUntilDone(5, 0)).toThrow(RangeError);
  });
});

describe('cycleBound', () => {
  it('derives the minimum calls per device from the protocol and lets the largest limit bind', () => {
    const bound = cycleBound(steady);
    // Snapshot PUT + CopyStart PUT, and on 1 point in 10 two grants and two revokes.
    expect(bound.minimumCallsPerDevice.writes).toBeCloseTo(2.4, 9);
    // 3 polls of the 5 s snapshot create, 30 of the 300 s copy, 3 of each of the 2 sampled grants.
    expect(bound.minimumCallsPerDevice.reads).toBeCloseTo(33.6, 9);
    expect(bound.minimumCallsPerDevice.deletes).toBe(2);
    expect(bound.byLimit.writes).toBeCloseTo((2_400 - 200) / 10, 6);
    expect(bound.byLimit.reads).toBeCloseTo((33_600 - 250) / 25, 6);
    expect(bound.byLimit.deletes).toBeCloseTo((2_000 - 200) / 10, 6);
    // A copy holds its slot from its PUT (5 s operation) until its 300 s of data have moved.
    expect(bound.slotSeconds).toBe(305);
    expect(bound.byLimit['copy-concurrency']).toBeCloseTo((1_000 * 305) / 100, 6);
    expect(bound.binding).toBe('copy-concurrency');
    expect(bound.seconds).toBe(bound.byLimit['copy-concurrency']);
  });

  it('is set by the writes when copies are short and the fleet large', () => {
    const bound = cycleBound({
      ...steady,
      devices: 5_000,
      copyGiB: 0,
      copy: { gibPerHour: 100, minimumSeconds: 0 },
      contentSampleEvery: 0,
      deletesPerDevice: 0,
    });
    expect(bound.byLimit.writes).toBeCloseTo((10_000 - 200) / 10, 6);
    expect(bound.byLimit.reads).toBeCloseTo((5_000 * 4 - 250) / 25, 6);
    expect(bound.byLimit['copy-concurrency']).toBeCloseTo(250, 6);
    expect(bound.binding).toBe('writes');
    expect(bound.seconds).toBeCloseTo(980, 6);
  });

  it('costs nothing for calls the bursts cover, and seeds with no deletes', () => {
    const bound = cycleBound({ ...steady, devices: 20, copyGiB: 16, deletesPerDevice: 0 });
    expect(bound.byLimit.writes).toBe(0);
    expect(bound.byLimit.deletes).toBe(0);
    expect(bound.copySeconds).toBeCloseTo((16 / 70.3125) * 3600, 6);
    expect(bound.seconds).toBeCloseTo((20 * (5 + bound.copySeconds)) / documentedArmBuckets.copySlots, 6);
  });

  it('refuses a cycle without devices', () => {
    expect(() => cycleBound({ ...steady, devices: 0 })).toThrow(RangeError);
  });
});
