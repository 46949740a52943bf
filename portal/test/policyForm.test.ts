import { describe, expect, it } from 'vitest';
import { rpoHoursValues } from '../../src/domain/rpo';
import {
  newPolicyForm,
  policyBodyOf,
  policyFormOf,
  rpoHoursChoices,
  type Policy,
} from '../src/logic/policyForm';
import { policyPointsSummary } from '../src/logic/policyPointsSummary';

const stored: Policy = {
  id: 'standard',
  name: 'Standard',
  backupRegion: 'northeurope',
  rpoHours: 4,
  retention: { latest: 20, weekly: 8, keepLatestManual: false },
  enabled: true,
  contentCheck: { sampleEvery: 10 },
  createdAt: '2025-03-01T00:00:00.000Z',
  updatedAt: '2025-03-01T00:00:00.000Z',
};

describe('policy form', () => {
  it('offers exactly the RPOs the API allows', () => {
    expect([...rpoHoursChoices]).toEqual([...rpoHoursValues]);
  });

  it('starts a new policy in the tenant’s first backup region at 4 hours', () => {
    expect(newPolicyForm(['northeurope', 'swedencentral'])).toMatchObject({
      backupRegion: 'northeurope',
      rpoHours: '4',
      enabled: true,
    });
  });

  it('makes a new policy’s body from the fields alone', () => {
    const result = policyBodyOf({
      id: 'gold',
      name: 'Gold',
      backupRegion: 'northeurope',
      rpoHours: '1',
      enabled: false,
    });
    expect(result).toEqual({
      body: { name: 'Gold', backupRegion: 'northeurope', rpoHours: 1, enabled: false },
    });
  });

  it('keeps what the dialog does not edit when it replaces a policy', () => {
    const form = { ...policyFormOf(stored), rpoHours: '12' };
    const result = policyBodyOf(form, stored);
    expect(result).toEqual({
      body: {
        name: 'Standard',
        backupRegion: 'northeurope',
        rpoHours: 12,
        enabled: true,
        retention: { latest: 20, weekly: 8, keepLatestManual: false },
        contentCheck: { sampleEvery: 10 },
      },
    });
  });

  it('refuses an id that would not name one policy in the URL', () => {
    for (const id of ['', 'a/b', '../x', '-lead'])
      expect(policyBodyOf({ ...policyFormOf(stored), id })).toEqual({
        problems: [expect.objectContaining({ field: 'path.policyId' })],
      });
  });
});

describe('policyPointsSummary', () => {
  const answer = {
    policyId: 'standard',
    takenAt: '2025-03-01T00:00:00Z',
    queued: 3,
    skipped: 0,
    skippedByReason: { 'disk-not-in-scopes': 0, 'device-unlicensed': 0, 'policy-disabled': 0 },
    skippedDevices: [],
  };

  it('says how many were queued', () => {
    expect(policyPointsSummary(answer)).toBe('3 devices queued');
    expect(policyPointsSummary({ ...answer, queued: 1 })).toBe('1 device queued');
  });

  it('says how many were skipped and why, leaving out reasons with none', () => {
    expect(
      policyPointsSummary({
        ...answer,
        queued: 1,
        skipped: 3,
        skippedByReason: { 'disk-not-in-scopes': 2, 'device-unlicensed': 1, 'policy-disabled': 0 },
      }),
    ).toBe("1 device queued; 3 skipped (disk outside the tenant's disk scopes: 2, device not licensed: 1)");
  });
});
