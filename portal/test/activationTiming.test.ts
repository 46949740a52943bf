import { describe, expect, it } from 'vitest';
import { etaShown, rtoShown } from '../src/logic/activationTiming';

const requestedAt = '2026-01-01T10:00:00.000Z';

describe('rtoShown', () => {
  it('is the time elapsed while the activation moves', () => {
    expect(rtoShown({ state: 'recovering', requestedAt, rtoSeconds: 245 })).toEqual({
      label: 'Elapsed since the request',
      value: '4 min 05 s',
    });
  });

  it("is the API's measured RTO once completed", () => {
    expect(rtoShown({ state: 'completed', requestedAt, rtoSeconds: 20.4 })).toEqual({
      label: 'Measured RTO',
      value: '20 s',
    });
  });

  it('stays shown after a completed activation is deactivated, from the times the API uses', () => {
    const report = {
      requestedAt,
      completedAt: '2026-01-01T11:10:00.000Z',
      lastRecoveredAt: '2026-01-01T11:05:00.000Z',
    };
    expect(rtoShown({ ...report, state: 'deactivating' }).value).toBe('1 h 05 min');
    expect(rtoShown({ ...report, state: 'deactivated' }).value).toBe('1 h 05 min');
  });

  it('says it was not measured when recovery never completed', () => {
    expect(rtoShown({ state: 'cancelled', requestedAt }).value).toMatch(/^Not measured/);
  });
});

describe('etaShown', () => {
  it("gives the API's estimate, or says when there will be one", () => {
    expect(etaShown({ state: 'recovering', requestedAt, etaSeconds: 60 }).value).toBe(
      'About 1 min 00 s more',
    );
    expect(etaShown({ state: 'planning', requestedAt }).value).toBe('Estimated once devices are recovered');
    expect(etaShown({ state: 'completed', requestedAt }).value).toBe('—');
  });
});
