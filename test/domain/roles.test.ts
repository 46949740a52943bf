import { describe, expect, it } from 'vitest';
import { satisfiesRole } from '../../src/domain/roles';

describe('satisfiesRole', () => {
  it('lets each role do what the roles below it may', () => {
    expect(satisfiesRole(['DR.Admin'], 'DR.Reader')).toBe(true);
    expect(satisfiesRole(['DR.Admin'], 'DR.Operator')).toBe(true);
    expect(satisfiesRole(['DR.Operator'], 'DR.Reader')).toBe(true);
    expect(satisfiesRole(['DR.Reader'], 'DR.Reader')).toBe(true);
  });

  it('refuses a role below the one required, and roles it does not know', () => {
    expect(satisfiesRole(['DR.Reader'], 'DR.Operator')).toBe(false);
    expect(satisfiesRole(['DR.Operator'], 'DR.Admin')).toBe(false);
    expect(satisfiesRole(['Global.Admin', 'dr.admin'], 'DR.Reader')).toBe(false);
    expect(satisfiesRole([], 'DR.Reader')).toBe(false);
  });

  it('takes the highest of several granted roles', () => {
    expect(satisfiesRole(['DR.Reader', 'DR.Admin'], 'DR.Admin')).toBe(true);
  });
});
