import { describe, expect, it } from 'vitest';
import {
  deviceBlobName,
  isPointOf,
  maxRestorePointTimeMs,
  parseRestorePointName,
  restorePointName,
  restorePointPrefix,
} from '../../../src/adapters/blob/restorePointName';
import { restorePointName as domainRestorePointName } from '../../../src/domain/restorePoint';

const tenant = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const otherTenant = '0d9e2c1b-1a2b-4c3d-8e9f-a0b1c2d3e4f5';

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
    const names = times.map((ms) => restorePointName(tenant, 'pc-1', new Date(ms)));
    const byName = [...names].sort();
    expect(byName).toEqual([...names].reverse());
    expect(new Set(names.map((name) => name.length)).size).toBe(1);
  });

  it('is the domain’s name, and parses back to the tenant, device and time', () => {
    const takenAt = new Date('2025-03-04T05:06:07.089Z');
    const name = restorePointName(tenant, 'pc-1.a_b', takenAt);
    expect(name).toBe(domainRestorePointName(tenant, 'pc-1.a_b', takenAt));
    expect(name).toMatch(/^6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10\/pc-1\.a_b\/\d{13}$/);
    expect(parseRestorePointName(name)).toEqual({ tenantId: tenant, deviceId: 'pc-1.a_b', takenAt });
  });

  it('names a tenant by its lower-case id, whatever case it is given in', () => {
    const takenAt = new Date('2025-03-04T05:06:07.089Z');
    const upper = restorePointName(tenant.toUpperCase(), 'pc-1', takenAt);
    expect(upper).toBe(restorePointName(tenant, 'pc-1', takenAt));
    expect(domainRestorePointName(tenant.toUpperCase(), 'pc-1', takenAt)).toBe(upper);
    expect(restorePointPrefix(tenant.toUpperCase(), 'pc-1')).toBe(`${tenant}/pc-1/`);
    expect(deviceBlobName(tenant.toUpperCase(), 'pc-1')).toBe(`${tenant}/pc-1`);
    expect(isPointOf(upper, tenant.toUpperCase(), 'pc-1')).toBe(true);
  });

  it('refuses tenant and device ids that would break the prefix or the URL, and times the width cannot hold', () => {
    for (const deviceId of ['', 'a/b', '..', '.x', 'x y', 'é']) {
      expect(() => restorePointName(tenant, deviceId, new Date(0))).toThrow(TypeError);
    }
    for (const tenantId of ['', 't1', `${tenant}/x`, `x/${tenant}`, `${tenant}0`, '..']) {
      expect(() => restorePointName(tenantId, 'pc', new Date(0))).toThrow(TypeError);
      expect(() => restorePointPrefix(tenantId, 'pc')).toThrow(TypeError);
      expect(() => deviceBlobName(tenantId, 'pc')).toThrow(TypeError);
    }
    expect(() => restorePointName(tenant, 'pc', new Date(-1))).toThrow(RangeError);
    expect(() => restorePointName(tenant, 'pc', new Date(maxRestorePointTimeMs + 1))).toThrow(RangeError);
    expect(() => restorePointName(tenant, 'pc', new Date(Number.NaN))).toThrow(RangeError);
  });

  it('lists one device of one tenant only: the prefix holds the tenant and ends with a slash', () => {
    expect(restorePointPrefix(tenant, 'pc1')).toBe(`${tenant}/pc1/`);
    expect(restorePointName(tenant, 'pc10', new Date()).startsWith(restorePointPrefix(tenant, 'pc1'))).toBe(
      false,
    );
    // The same device id in another tenant is another device.
    expect(
      restorePointName(otherTenant, 'pc1', new Date()).startsWith(restorePointPrefix(tenant, 'pc1')),
    ).toBe(false);
  });

  it('tells whose point a name is', () => {
    const name = restorePointName(tenant, 'pc1', new Date(0));
    expect(isPointOf(name, tenant, 'pc1')).toBe(true);
    expect(isPointOf(name, otherTenant, 'pc1')).toBe(false);
    expect(isPointOf(name, tenant, 'pc10')).toBe(false);
    expect(isPointOf('pc1/9999999999999', tenant, 'pc1')).toBe(false);
  });

  it('parses nothing but restore point names, and not those of the old shape without a tenant', () => {
    for (const name of [
      'pc1',
      'pc1/',
      'pc1/123',
      // The old shape: `{deviceId}/{inverted time}`, which says nothing of its tenant.
      'pc1/0000000000000',
      'a/b/0000000000000',
      '/0000000000000',
      `${tenant}/pc1`,
      `${tenant}/pc1/`,
      `${tenant}/pc1/123`,
      `${tenant}/pc1/00000000000000`,
      `${tenant}//0000000000000`,
      `${tenant}/a/b/0000000000000`,
      `/${tenant}/pc1/0000000000000`,
      // Names are written with the tenant id lower-case only.
      `${tenant.toUpperCase()}/pc1/0000000000000`,
      't1/pc1/0000000000000',
    ]) {
      expect(parseRestorePointName(name)).toBeUndefined();
    }
    expect(parseRestorePointName(`${tenant}/pc1/0000000000000`)).toEqual({
      tenantId: tenant,
      deviceId: 'pc1',
      takenAt: new Date(maxRestorePointTimeMs),
    });
  });
});
