import { describe, expect, it } from 'vitest';
import type { ActivationState } from '../src/logic/activationTypes';
import {
  activationStateLabels,
  canCancel,
  canDeactivate,
  describeScope,
  isSettled,
  recoveryStateLabels,
  recoveryStates,
  skipReasonLabel,
  waveName,
  waveOutcomeLabel,
} from '../src/logic/activationStates';

const states = Object.keys(activationStateLabels) as ActivationState[];

describe('activation states', () => {
  it('are settled exactly when the API stops asking to poll', () => {
    // src/functions/activations.ts sends Retry-After while planning, recovering or deactivating.
    expect(states.filter((s) => !isSettled(s)).sort()).toEqual(['deactivating', 'planning', 'recovering']);
  });

  it('may be cancelled only while devices are being dispatched', () => {
    expect(states.filter(canCancel).sort()).toEqual(['planning', 'recovering']);
  });

  it('may be deactivated from any state but deactivating and deactivated', () => {
    expect(states.filter((s) => !canDeactivate(s)).sort()).toEqual(['deactivated', 'deactivating']);
  });
});

describe('device states', () => {
  it('are the API’s, in its order, each with a label', () => {
    expect(recoveryStates).toEqual([
      'planned',
      'queued',
      'provisioning',
      'waiting-for-capacity',
      'recovered',
      'failed',
      'skipped',
      'cancelled',
      'releasing',
      'released',
    ]);
    expect(recoveryStateLabels['waiting-for-capacity']).toBe('Waiting for capacity');
  });

  it('name skip reasons in words, and pass an unknown one through', () => {
    expect(skipReasonLabel('no-verified-restore-point')).toBe('No verified restore point yet');
    expect(skipReasonLabel('something-new')).toBe('something-new');
  });
});

describe('waveOutcomeLabel', () => {
  it('says whether a wave has started, is done or ran out of time', () => {
    expect(waveOutcomeLabel({})).toBe('Not started');
    expect(waveOutcomeLabel({ startedAt: '2026-01-01T00:00:00Z' })).toBe('In progress');
    expect(waveOutcomeLabel({ outcome: 'done' })).toBe('Done');
    expect(waveOutcomeLabel({ outcome: 'deadline' })).toMatch(/^Deadline passed/);
  });

  it('says a wave of skipped devices has nothing to recover, rather than that it has not started', () => {
    const counts = { ...Object.fromEntries(recoveryStates.map((s) => [s, 0])), skipped: 2 } as Record<
      (typeof recoveryStates)[number],
      number
    >;
    expect(waveOutcomeLabel({ total: 2, counts })).toBe('Nothing to recover: every device skipped');
    expect(waveOutcomeLabel({ total: 3, counts })).toBe('Not started');
  });
});

describe('waveName', () => {
  it("names the API's wave labels in words, and passes an unknown one through", () => {
    expect(waveName('recover-first')).toBe('Devices to recover first');
    expect(waveName('tier-10')).toBe('Priority tier 10');
    expect(waveName('tier-x')).toBe('tier-x');
  });
});

describe('describeScope', () => {
  it('says what an activation covers in one line', () => {
    expect(describeScope({ kind: 'region', region: 'westeurope' })).toBe('Region westeurope');
    expect(describeScope({ kind: 'tiers', tiers: [2, 1], region: 'westeurope' })).toBe(
      'Tiers 1, 2 in westeurope',
    );
    expect(describeScope({ kind: 'tiers', tiers: [1] })).toBe('Tier 1, all regions');
    expect(describeScope({ kind: 'devices', deviceIds: ['a'] })).toBe('1 listed device');
    expect(
      describeScope({ kind: 'devices', deviceIds: Array.from({ length: 1200 }, (_, i) => `d${i}`) }),
    ).toBe('1,200 listed devices');
  });
});
