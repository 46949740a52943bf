import { describe, expect, it } from 'vitest';
import { requiredRoles } from '../src/api/requiredRoles';
import {
  auditActionSuggestions,
  auditFiltersOf,
  auditQueryOf,
  isoOfLocalInput,
  localInputOf,
} from '../src/logic/auditFilters';

describe('auditFiltersOf', () => {
  it('reads times and an action from the hash query', () => {
    const query = new URLSearchParams(
      'from=2025-03-01T10:00:00.000Z&to=2025-03-02T00:00:00Z&action=putPolicy',
    );
    expect(auditFiltersOf(query)).toEqual({
      from: '2025-03-01T10:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      action: 'putPolicy',
    });
  });

  it('leaves out a time that is not one, and a blank action', () => {
    expect(auditFiltersOf(new URLSearchParams('from=yesterday&action=%20%20'))).toEqual({});
  });

  it('round-trips through the query it makes', () => {
    const filters = { from: '2025-03-01T10:00:00.000Z', action: 'recovery.recovered' };
    const query = new URLSearchParams(auditQueryOf(filters));
    expect(query.has('to')).toBe(false);
    expect(auditFiltersOf(query)).toEqual(filters);
  });
});

describe('datetime-local values', () => {
  it('stand for the same instant both ways, in the browser’s zone', () => {
    const iso = isoOfLocalInput('2025-03-01T14:30');
    expect(iso).toBeDefined();
    expect(localInputOf(iso)).toBe('2025-03-01T14:30');
    expect(new Date(iso!).getHours()).toBe(14);
  });

  it('are blank for no time, and no time for a blank or partial input', () => {
    expect(localInputOf(undefined)).toBe('');
    expect(isoOfLocalInput('')).toBeUndefined();
    expect(isoOfLocalInput('2025-03-01')).toBeUndefined();
  });
});

describe('auditActionSuggestions', () => {
  const suggestions = auditActionSuggestions(Object.keys(requiredRoles));

  it('offers the operations that change something and the events, not the reads', () => {
    expect(suggestions).toContain('putPolicy');
    expect(suggestions).toContain('activateRecovery');
    expect(suggestions).toContain('recovery.recovered');
    expect(suggestions).not.toContain('getTenant');
    expect(suggestions).not.toContain('listDevices');
  });

  it('offers only names the API’s action filter takes', () => {
    for (const action of suggestions) expect(action).toMatch(/^[A-Za-z][A-Za-z0-9.-]{0,63}$/);
  });
});
