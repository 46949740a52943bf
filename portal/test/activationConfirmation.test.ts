import { describe, expect, it } from 'vitest';
import { confirmationRule, fallbackPhrase, isConfirmed } from '../src/logic/activationConfirmation';

describe('confirmationRule', () => {
  it("asks for the region's name for a region, and for tiers within a region", () => {
    expect(confirmationRule({ kind: 'region', region: 'westeurope' }, 'Contoso').phrase).toBe('westeurope');
    expect(confirmationRule({ kind: 'tiers', tiers: [1], region: 'eastus' }, 'Contoso').phrase).toBe(
      'eastus',
    );
  });

  it("asks for the tenant's name when the scope names no region", () => {
    expect(confirmationRule({ kind: 'devices', deviceIds: ['a'] }, ' Contoso Ltd ')).toEqual({
      phrase: 'Contoso Ltd',
      what: "the tenant's name",
    });
    expect(confirmationRule({ kind: 'tiers', tiers: [1, 2] }, 'Contoso').phrase).toBe('Contoso');
  });

  it("falls back to a fixed word when the tenant's name is not known", () => {
    expect(confirmationRule({ kind: 'devices', deviceIds: ['a'] }, undefined).phrase).toBe(fallbackPhrase);
    expect(confirmationRule({ kind: 'devices', deviceIds: ['a'] }, '  ').phrase).toBe(fallbackPhrase);
  });
});

describe('isConfirmed', () => {
  const rule = { phrase: 'westeurope', what: "the region's name" };

  it('takes the exact phrase, surrounding spaces aside', () => {
    expect(isConfirmed('westeurope', rule)).toBe(true);
    expect(isConfirmed('  westeurope ', rule)).toBe(true);
  });

  it('refuses anything else: empty, a near miss, another case', () => {
    expect(isConfirmed('', rule)).toBe(false);
    expect(isConfirmed('westeuro', rule)).toBe(false);
    expect(isConfirmed('WestEurope', rule)).toBe(false);
    expect(isConfirmed('northeurope', rule)).toBe(false);
  });
});
