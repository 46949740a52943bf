import { describe, expect, it } from 'vitest';
import {
  maxRestorePointTimeMs,
  parseRestorePointName,
  restorePointName,
  restorePointPrefix,
} from '../../../src/adapters/blob/restorePointName';
import { restorePointName as domainRestorePointName } from '../../../src/domain/restorePoint';

describe('restorePointName', () => {
  it('sorts a device’s points newest first in name order, across digit-count boundaries', () => {
    const times = [
      0,
      9,
      10,
      999_999_999_999,
      1_000_000_000_000,
      Date.parse('2025-01-01T00:00:00Z'),
      Date.parse('2025-01-01T00:00:00.001Z'),
    ];
    const names = times.map((ms) => restorePointName('pc-1', new Date(ms)));
    const byName = [...names].sort();
    expect(byName).toEqual([...names].reverse());
    expect(new Set(names.map((name) => name.length)).size).toBe(1);
  });

  it('is the domain’s name, and parses back to the device and time', () => {
    const takenAt = new Date('2025-03-04T05:06:07.089Z');
    const name = restorePointName('pc-1.a_b', takenAt);
    expect(name).toBe(domainRestorePointName('pc-1.a_b', takenAt));
    expect(name).toMatch(/^pc-1\.a_b\/\d{13}$/);
    expect(parseRestorePointName(name)).toEqual({ deviceId: 'pc-1.a_b', takenAt });
  });

  it('refuses device ids that would break the prefix or the URL, and times the width cannot hold', () => {
    for (const deviceId of ['', 'a/b', '..', '.x', 'x y', 'é']) {
      expect(() => restorePointName(deviceId, new Date(0))).toThrow(TypeError);
    }
    expect(() => restorePointName('pc', new Date(-1))).toThrow(RangeError);
    expect(() => restorePointName('pc', new Date(maxRestorePointTimeMs + 1))).toThrow(RangeError);
    expect(() => restorePointName('pc', new Date(Number.NaN))).toThrow(RangeError);
  });

  it('lists one device only: the prefix ends with a slash', () => {
    expect(restorePointPrefix('pc1')).toBe('pc1/');
    expect(restorePointName('pc10', new Date()).startsWith(restorePointPrefix('pc1'))).toBe(false);
  });

  it('parses nothing but restore point names', () => {
    for (const name of [
      'pc1',
      'pc1/',
      'pc1/123',
      'a/b/0000000000000',
      '/0000000000000',
      'pc1/00000000000000',
    ]) {
      expect(parseRestorePointName(name)).toBeUndefined();
    }
  });
});
