import { deviceIdPattern } from '../../src/domain/device';
import { describe, expect, it } from 'vitest';
import {
  canMove,
  countIn,
  isSettled,
  mayHoldTemporaryDevice,
  recoveryStates,
  recoveryTaskId,
  settledStates,
  temporaryDeviceName,
  type RecoveryState,
  type WaveCounts,
} from '../../src/domain/recoveryTask';

/** Every move a task may make, written out from the states' meaning; everything else is refused. */
const expectedMoves: Record<RecoveryState, RecoveryState[]> = {
  planned: ['queued', 'cancelled', 'releasing'],
  queued: ['queued', 'provisioning', 'waiting-for-capacity', 'recovered', 'failed', 'cancelled', 'releasing'],
  provisioning: ['provisioning', 'waiting-for-capacity', 'recovered', 'failed', 'cancelled', 'releasing'],
  'waiting-for-capacity': [
    'provisioning',
    'waiting-for-capacity',
    'recovered',
    'failed',
    'cancelled',
    'releasing',
  ],
  recovered: ['releasing'],
  failed: ['releasing'],
  cancelled: ['releasing'],
  skipped: [],
  // An adopter sends a release again with a new dispatch: releasing repeats in place.
  releasing: ['releasing', 'released'],
  released: [],
};

describe('canMove', () => {
  it('allows exactly the forward moves, for all 100 pairs of states', () => {
    for (const from of recoveryStates) {
      for (const to of recoveryStates) {
        expect(canMove(from, to), `${from} → ${to}`).toBe(expectedMoves[from].includes(to));
      }
    }
  });

  it('never takes a task back', () => {
    expect(canMove('recovered', 'queued')).toBe(false);
    expect(canMove('recovered', 'provisioning')).toBe(false);
    expect(canMove('failed', 'queued')).toBe(false);
    expect(canMove('cancelled', 'queued')).toBe(false);
    expect(canMove('releasing', 'recovered')).toBe(false);
    expect(canMove('provisioning', 'queued')).toBe(false);
    // Nothing returns to planned, not even planned itself.
    for (const from of recoveryStates) expect(canMove(from, 'planned'), from).toBe(false);
  });

  it('ends at released and skipped: nothing moves out of them', () => {
    for (const to of recoveryStates) {
      expect(canMove('released', to), `released → ${to}`).toBe(false);
      expect(canMove('skipped', to), `skipped → ${to}`).toBe(false);
    }
  });

  it('repeats a step in place (retries, checks) only where the step can repeat', () => {
    expect(canMove('queued', 'queued')).toBe(true);
    expect(canMove('provisioning', 'provisioning')).toBe(true);
    expect(canMove('waiting-for-capacity', 'waiting-for-capacity')).toBe(true);
    expect(canMove('releasing', 'releasing')).toBe(true);
    for (const state of ['planned', 'recovered', 'failed', 'cancelled', 'skipped', 'released'] as const)
      expect(canMove(state, state), state).toBe(false);
  });

  it('goes from a settled state only to releasing', () => {
    for (const from of settledStates) {
      const allowed = recoveryStates.filter((to) => canMove(from, to));
      expect(allowed, from).toEqual(from === 'skipped' ? [] : ['releasing']);
    }
  });

  it('must be queued before it provisions or recovers', () => {
    expect(canMove('planned', 'provisioning')).toBe(false);
    expect(canMove('planned', 'recovered')).toBe(false);
    expect(canMove('planned', 'failed')).toBe(false);
  });
});

describe('isSettled', () => {
  it('holds for recovered, failed, skipped and cancelled only', () => {
    const settled = recoveryStates.filter(isSettled);
    expect(settled).toEqual(['recovered', 'failed', 'skipped', 'cancelled']);
    expect(settledStates).toEqual(settled);
    for (const state of [
      'planned',
      'queued',
      'provisioning',
      'waiting-for-capacity',
      'releasing',
      'released',
    ] as const)
      expect(isSettled(state), state).toBe(false);
  });
});

describe('mayHoldTemporaryDevice', () => {
  it('holds where a device may exist or be about to: not planned, skipped or released', () => {
    expect(recoveryStates.filter((s) => !mayHoldTemporaryDevice(s))).toEqual([
      'planned',
      'skipped',
      'released',
    ]);
  });
});

describe('recoveryTaskId', () => {
  it('is activation and device', () => {
    expect(recoveryTaskId('act-1', 'pc-1')).toBe('act-1:pc-1');
  });
});

describe('temporaryDeviceName', () => {
  const activationId = 'act-0123456789abcdef01234567';

  it('never gives a short-form name to a device whose id mimics a long one', () => {
    const long = 'b'.repeat(50);
    const truncated = temporaryDeviceName(activationId, long);
    // The id a short name would need to equal the long device's name.
    const mimic = truncated.slice('tmp-0123456789abcdef-'.length);
    expect(deviceIdPattern.test(mimic) && deviceIdPattern.test(long)).toBe(true);
    expect(temporaryDeviceName(activationId, mimic)).not.toBe(truncated);
  });

  it('is fixed by the task: the same every time, from the activation’s first 16 digits and the device', () => {
    expect(temporaryDeviceName(activationId, 'pc-1')).toBe('tmp-0123456789abcdef-pc-1');
    expect(temporaryDeviceName(activationId, 'pc-1')).toBe(temporaryDeviceName(activationId, 'pc-1'));
  });

  it('differs between devices and between activations', () => {
    const names = new Set([
      temporaryDeviceName(activationId, 'pc-1'),
      temporaryDeviceName(activationId, 'pc-2'),
      temporaryDeviceName('act-fedcba9876543210fedcba98', 'pc-1'),
    ]);
    expect(names.size).toBe(3);
  });

  it('stays within 64 characters for the longest device ids', () => {
    for (let length = 1; length <= 64; length++) {
      const deviceId = 'd'.repeat(length);
      const name = temporaryDeviceName(activationId, deviceId);
      expect(name.length, `device id of ${length}`).toBeLessThanOrEqual(64);
      expect(temporaryDeviceName(activationId, deviceId)).toBe(name);
    }
    expect(temporaryDeviceName(activationId, 'x'.repeat(64))).toHaveLength(64);
  });

  it('keeps two 64-character device ids sharing a 60-character prefix apart, deterministically', () => {
    const prefix = 'cloudpc-'.padEnd(60, 'a');
    const a = `${prefix}0001`;
    const b = `${prefix}0002`;
    expect(a).toHaveLength(64);
    const nameA = temporaryDeviceName(activationId, a);
    const nameB = temporaryDeviceName(activationId, b);
    expect(nameA).not.toBe(nameB);
    expect(nameA).toHaveLength(64);
    expect(nameB).toHaveLength(64);
    expect(nameA).toMatch(/^tmh-0123456789abcdef-cloudpc-a+-[0-9a-f]{16}$/);
    expect(temporaryDeviceName(activationId, a)).toBe(nameA);
    // And apart from the same ids in another activation.
    expect(temporaryDeviceName('act-fedcba9876543210fedcba98', a)).not.toBe(nameA);
  });
});

describe('countIn', () => {
  const counts: WaveCounts = {
    0: { recovered: 2, failed: 1 },
    1: { recovered: 3, queued: 4 },
    3: { skipped: 5 },
  };

  it('sums the states given over every wave', () => {
    expect(countIn(counts, ['recovered'])).toBe(5);
    expect(countIn(counts, ['recovered', 'failed', 'skipped'])).toBe(11);
    expect(countIn(counts, recoveryStates)).toBe(15);
    expect(countIn(counts, settledStates)).toBe(11);
  });

  it('sums within one wave when given', () => {
    expect(countIn(counts, ['recovered'], 0)).toBe(2);
    expect(countIn(counts, ['recovered'], 1)).toBe(3);
    expect(countIn(counts, recoveryStates, 3)).toBe(5);
    expect(countIn(counts, recoveryStates, 2)).toBe(0);
  });

  it('counts nothing for no states, a state never counted, or no counts', () => {
    expect(countIn(counts, [])).toBe(0);
    expect(countIn(counts, ['released'])).toBe(0);
    expect(countIn({}, recoveryStates)).toBe(0);
  });
});
