import { describe, expect, it } from 'vitest';
import {
  describeImportRow,
  orderImportResults,
  parseDeviceImport,
  shortField,
} from '../src/logic/deviceImport';

/** The problem a text is refused with ('' when it is accepted). */
const problem = (text: string) => {
  const parsed = parseDeviceImport(text);
  return 'problem' in parsed ? parsed.problem : '';
};

describe('parseDeviceImport', () => {
  const row = { id: 'cpc-0001', upn: 'a@contoso.test', primaryRegion: 'westeurope', policyId: 'standard' };

  it('takes the body npm run local:disks prints', () => {
    expect(parseDeviceImport(JSON.stringify({ devices: [row] }))).toEqual({ devices: [row] });
  });

  it('takes a bare array of rows', () => {
    expect(parseDeviceImport(JSON.stringify([row, row]))).toEqual({ devices: [row, row] });
  });

  it('explains what is wrong with the text instead of sending it', () => {
    expect(problem('  ')).not.toBe('');
    expect(problem('{"devices": [')).toMatch(/not JSON/);
    expect(problem('{"rows": []}')).toMatch(/Expected/);
    expect(problem('null')).toMatch(/Expected/);
    expect(problem('{"devices": []}')).toMatch(/empty/);
  });

  it('refuses more rows than the API takes in one request', () => {
    const text = JSON.stringify({ devices: Array.from({ length: 10_001 }, () => 0) });
    expect(problem(text)).toMatch(/10,000/);
  });
});

describe('import results', () => {
  it('names a refused row with each field and reason', () => {
    expect(
      describeImportRow({
        index: 2,
        id: 'cpc-0003',
        outcome: 'failed',
        errors: [{ field: 'body.devices.2.policyId', reason: 'Policy gold does not exist' }],
      }),
    ).toEqual({ label: 'cpc-0003: refused', detail: 'policyId: Policy gold does not exist' });
  });

  it('names a row without an id by its position and says when a saved row is unlicensed', () => {
    expect(describeImportRow({ index: 0, outcome: 'failed' }).label).toBe('row 1: refused');
    expect(describeImportRow({ index: 1, id: 'x', outcome: 'created', licensed: false }).detail).toMatch(
      /not protected/,
    );
  });

  it('shortens a row field but leaves other fields whole', () => {
    expect(shortField('body.devices.12.disk.blob')).toBe('disk.blob');
    expect(shortField('body.devices.12')).toBe('body.devices.12');
    expect(shortField('body.devices')).toBe('body.devices');
  });

  it('lists refused rows first, each group in file order', () => {
    const rows = [
      { index: 0, outcome: 'created' as const },
      { index: 1, outcome: 'failed' as const },
      { index: 2, outcome: 'created' as const },
      { index: 3, outcome: 'failed' as const },
    ];
    expect(orderImportResults(rows).map((r) => r.index)).toEqual([1, 3, 0, 2]);
  });
});
