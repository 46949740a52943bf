import { describe, expect, it } from 'vitest';
import { parseDeviceList, someOf } from '../src/logic/deviceListText';

describe('parseDeviceList', () => {
  it('reads one id a line, keeping the pasted order', () => {
    expect(parseDeviceList('cpc-0003\ncpc-0001\r\ncpc-0002\n').ids).toEqual([
      'cpc-0003',
      'cpc-0001',
      'cpc-0002',
    ]);
  });

  it('reads commas, semicolons, tabs and spaces as separators, and drops quotes', () => {
    expect(parseDeviceList(' "cpc-1", cpc-2;cpc-3\tcpc-4  \'cpc-5\'').ids).toEqual([
      'cpc-1',
      'cpc-2',
      'cpc-3',
      'cpc-4',
      'cpc-5',
    ]);
  });

  it('keeps a repeated id at its first place and names it once', () => {
    const list = parseDeviceList('b\na\nb\nc\nb');
    expect(list.ids).toEqual(['b', 'a', 'c']);
    expect(list.repeated).toEqual(['b']);
  });

  it('names what is not a device id', () => {
    const list = parseDeviceList('cpc-1\n-dash-first\nuser@contoso.com\ncpc-2');
    expect(list.ids).toEqual(['cpc-1', 'cpc-2']);
    expect(list.invalid).toEqual(['-dash-first', 'user@contoso.com']);
  });

  it('reads empty text as an empty list', () => {
    expect(parseDeviceList(' \n , ;')).toEqual({ ids: [], repeated: [], invalid: [] });
  });
});

describe('someOf', () => {
  it('names a few and counts the rest', () => {
    expect(someOf(['a', 'b'])).toBe('a, b');
    expect(someOf(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c and 2 more');
  });
});
