import { describe, expect, it } from 'vitest';
import {
  complianceStatuses,
  isComplianceStatus,
  statusBadgeColor,
  statusLabel,
  statusRows,
} from '../src/logic/complianceStatus';

describe('complianceStatus', () => {
  it('orders what needs attention first', () => {
    expect(complianceStatuses.slice(0, 2)).toEqual(['breached', 'at-risk']);
  });

  it('names each status in words and gives unknown ones back as they came', () => {
    expect(statusLabel('at-risk')).toBe('At risk');
    expect(statusLabel('not-yet-protected')).toBe('Not yet protected');
    expect(statusLabel('something-new')).toBe('something-new');
    expect(isComplianceStatus('something-new')).toBe(false);
  });

  it('colours a breach as danger and protection as success', () => {
    expect(statusBadgeColor('breached')).toBe('danger');
    expect(statusBadgeColor('at-risk')).toBe('warning');
    expect(statusBadgeColor('protected')).toBe('success');
    expect(statusBadgeColor('other')).toBe('subtle');
  });

  it('gives each count its share of the total, in display order', () => {
    const rows = statusRows({
      protected: 6,
      'at-risk': 2,
      breached: 1,
      'not-yet-protected': 1,
      unlicensed: 0,
      disabled: 0,
    });
    expect(rows.map((r) => r.status)).toEqual([...complianceStatuses]);
    expect(rows.find((r) => r.status === 'protected')).toMatchObject({ count: 6, share: 0.6 });
    expect(rows.find((r) => r.status === 'breached')).toMatchObject({ label: 'Breached', share: 0.1 });
  });

  it('gives shares of 0 for an empty fleet rather than NaN', () => {
    const zero = {
      protected: 0,
      'at-risk': 0,
      breached: 0,
      'not-yet-protected': 0,
      unlicensed: 0,
      disabled: 0,
    };
    expect(statusRows(zero).every((r) => r.share === 0)).toBe(true);
  });
});
