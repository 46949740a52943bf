import { describe, expect, it } from 'vitest';
import {
  firstListWave,
  isDriven,
  lastWave,
  leaseExpired,
  orchestrationInstanceId,
  waveLabel,
  waveOf,
  type ActivationOwner,
  type ActivationState,
} from '../../src/domain/activation';

describe('waveOf', () => {
  const first = new Set(['pc-vip', 'pc-ceo']);

  it('puts the first list in wave 0, whatever its tier', () => {
    expect(waveOf({ id: 'pc-vip', priorityTier: 7 }, first)).toBe(firstListWave);
    expect(waveOf({ id: 'pc-ceo', priorityTier: 1 }, first)).toBe(0);
  });

  it('puts every other device in the wave of its tier', () => {
    expect(waveOf({ id: 'pc-1', priorityTier: 1 }, first)).toBe(1);
    expect(waveOf({ id: 'pc-2', priorityTier: lastWave }, first)).toBe(10);
    expect(waveOf({ id: 'pc-vip', priorityTier: 3 }, new Set())).toBe(3);
  });
});

describe('waveLabel', () => {
  it('names the first list and the tiers', () => {
    expect(waveLabel(0)).toBe('recover-first');
    expect(waveLabel(1)).toBe('tier-1');
    expect(waveLabel(10)).toBe('tier-10');
  });
});

describe('isDriven', () => {
  it('holds while a driver has work: planning, recovering, deactivating', () => {
    const states: ActivationState[] = [
      'planning',
      'recovering',
      'completed',
      'cancelled',
      'deactivating',
      'deactivated',
    ];
    expect(states.filter(isDriven)).toEqual(['planning', 'recovering', 'deactivating']);
  });
});

describe('leaseExpired', () => {
  const owner: ActivationOwner = { region: 'westeurope', epoch: 3, leaseUntil: '2026-01-01T12:00:00.000Z' };

  it('is false before and at the lease’s end, true after it', () => {
    expect(leaseExpired(owner, new Date('2026-01-01T11:59:59.999Z'))).toBe(false);
    expect(leaseExpired(owner, new Date('2026-01-01T12:00:00.000Z'))).toBe(false);
    expect(leaseExpired(owner, new Date('2026-01-01T12:00:00.001Z'))).toBe(true);
    expect(leaseExpired(owner, new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
  });

  it('compares instants, not text: a lease written with an offset', () => {
    const offset = { ...owner, leaseUntil: '2026-01-01T13:00:00+01:00' };
    expect(leaseExpired(offset, new Date('2026-01-01T11:59:59.000Z'))).toBe(false);
    expect(leaseExpired(offset, new Date('2026-01-01T12:00:01.000Z'))).toBe(true);
  });
});

describe('orchestrationInstanceId', () => {
  it('is deterministic per activation, epoch and kind', () => {
    expect(orchestrationInstanceId('act-1', 1, 'activate')).toBe('act-1-activate-e1');
    expect(orchestrationInstanceId('act-1', 1, 'activate')).toBe(
      orchestrationInstanceId('act-1', 1, 'activate'),
    );
  });

  it('differs for every epoch and kind, so an adoption never reuses an instance', () => {
    const ids = new Set<string>();
    for (const kind of ['activate', 'deactivate'] as const) {
      for (let epoch = 1; epoch <= 12; epoch++) ids.add(orchestrationInstanceId('act-1', epoch, kind));
    }
    expect(ids.size).toBe(24);
    // Epoch 1 and 11 do not meet, nor 1 and 12 of another kind.
    expect(orchestrationInstanceId('act-1', 1, 'activate')).not.toBe(
      orchestrationInstanceId('act-1', 11, 'activate'),
    );
    expect(orchestrationInstanceId('act-2', 1, 'activate')).not.toBe(
      orchestrationInstanceId('act-1', 1, 'activate'),
    );
  });
});
