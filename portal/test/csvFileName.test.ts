import { describe, expect, it } from 'vitest';
import { csvFileName } from '../src/logic/csvFileName';

describe('csvFileName', () => {
  it('takes the name the API gives', () => {
    expect(csvFileName('attachment; filename="compliance-abc.csv"', 'x.csv')).toBe('compliance-abc.csv');
    expect(csvFileName("attachment; filename*=UTF-8''audit%20log.csv", 'x.csv')).toBe('audit_log.csv');
  });

  it('falls back without a usable name', () => {
    expect(csvFileName(null, 'fleet.csv')).toBe('fleet.csv');
    expect(csvFileName('attachment', 'fleet.csv')).toBe('fleet.csv');
    expect(csvFileName('attachment; filename="..."', 'fleet.csv')).toBe('fleet.csv');
  });

  it('keeps a name from leaving the download folder and ends it in .csv', () => {
    expect(csvFileName('attachment; filename="../../etc/passwd"', 'x.csv')).toBe('_.._etc_passwd.csv');
  });
});
