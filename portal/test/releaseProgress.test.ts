import { describe, expect, it } from 'vitest';
import type { ActivationReport } from '../src/logic/activationTypes';
import { releaseProgress } from '../src/logic/releaseProgress';

const none: ActivationReport['counts'] = {
  planned: 0,
  queued: 0,
  provisioning: 0,
  'waiting-for-capacity': 0,
  recovered: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
  releasing: 0,
  released: 0,
};

describe('releaseProgress', () => {
  it('counts every device but the skipped as one to release', () => {
    expect(
      releaseProgress({ ...none, recovered: 2, releasing: 3, released: 4, failed: 1, skipped: 5 }),
    ).toEqual({
      released: 4,
      toRelease: 10,
      percent: 40,
    });
  });

  it('is 100 only once every one is released, and when there was nothing to release', () => {
    expect(releaseProgress({ ...none, releasing: 1, released: 2_999 }).percent).toBe(99.9);
    expect(releaseProgress({ ...none, released: 3, skipped: 2 }).percent).toBe(100);
    expect(releaseProgress({ ...none, skipped: 2 }).percent).toBe(100);
  });
});
