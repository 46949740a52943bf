import { describe, expect, it } from 'vitest';
import { displayText, withoutHiddenCharacters } from '../../../src/http/schemas/common';
import { upnPathParams } from '../../../src/http/schemas/activationSchemas';
import { deviceBody, policyBody } from '../../../src/http/schemas/protectionSchemas';
import { tenantEntitlementBody, tenantSettingsBody } from '../../../src/http/schemas/tenantSchemas';
import { z } from 'zod';

/** Characters that change how text displays, or cut it short, without showing themselves. */
const hidden: [string, string][] = [
  ['NUL', '\u0000'],
  ['a bell', '\u0007'],
  ['a line feed', '\n'],
  ['DEL', '\u007f'],
  ['a C1 control', '\u0085'],
  ['a left-to-right embedding', '\u202a'],
  ['a right-to-left override', '\u202e'],
  ['a left-to-right isolate', '\u2066'],
  ['a pop directional isolate', '\u2069'],
  ['a left-to-right mark', '\u200e'],
  ['a right-to-left mark', '\u200f'],
  ['a zero-width space', '\u200b'],
  ['a zero-width joiner', '\u200d'],
  ['a soft hyphen', '\u00ad'],
  ['a lone high surrogate', '\ud800'],
  ['a lone low surrogate', '\udfff'],
];

describe('withoutHiddenCharacters', () => {
  const schema = withoutHiddenCharacters(z.string());

  it.each(hidden)('refuses %s', (_name, character) => {
    expect(schema.safeParse(`ad${character}min`).success).toBe(false);
  });

  it.each([
    ['accents', 'Zoë Ångström'],
    ['another script', '株式会社コントソ'],
    ['right-to-left text itself', 'شركة كونتوسو'],
    ['an emoji (a surrogate pair)', 'Contoso 😀'],
  ])('accepts %s', (_name, text) => {
    expect(schema.safeParse(text).success).toBe(true);
  });
});

describe('displayText', () => {
  it('trims, and refuses what is blank once trimmed or longer than its bound', () => {
    expect(displayText(5).parse('  Ada  ')).toBe('Ada');
    expect(displayText(5).safeParse('   ').success).toBe(false);
    expect(displayText(5).safeParse('Adaline').success).toBe(false);
  });
});

describe('identity-like fields', () => {
  const device = {
    upn: 'ada@contoso.test',
    primaryRegion: 'westeurope',
    disk: { container: 'disks', blob: 'a.vhd' },
    policyId: 'std',
  };
  const cases: [string, z.ZodType, Record<string, unknown>, string][] = [
    ['a device upn', deviceBody, device, 'upn'],
    ['a tenant name', tenantSettingsBody, { name: 'Contoso', allowedBackupRegions: ['northeurope'] }, 'name'],
    [
      'a tenant name as the platform sets it',
      tenantEntitlementBody,
      { name: 'Contoso', licences: 1, allowedBackupRegions: ['northeurope'] },
      'name',
    ],
    ['a policy name', policyBody, { name: 'Daily', backupRegion: 'northeurope', rpoHours: 4 }, 'name'],
    ['a UPN in a path', upnPathParams, { upn: 'ada@contoso.test' }, 'upn'],
  ];

  it.each(cases)('accepts %s without hidden characters', (_what, schema, valid) => {
    expect(schema.safeParse(valid).success).toBe(true);
  });

  it.each(cases)(
    'refuses %s with a right-to-left override and a NUL, naming the field',
    (_what, schema, valid, key) => {
      const text = String(valid[key]);
      const value = `${text.slice(0, 2)}\u202e\u0000${text.slice(2)}`;
      const result = schema.safeParse({ ...valid, [key]: value });
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((issue) => issue.path.join('.'))).toEqual([key]);
    },
  );
});
