import { describe, expect, it } from 'vitest';
import {
  findOverlap,
  isReservedContainer,
  scopeContains,
  scopesOverlap,
  type DiskScope,
} from '../../src/domain/diskScope';

const blobScope = (container: string, prefix?: string, region = 'westeurope'): DiskScope =>
  prefix === undefined
    ? { kind: 'pageBlob', region, container }
    : { kind: 'pageBlob', region, container, prefix };
const arm = (armScope: string): DiskScope => ({ kind: 'managedDisk', armScope });
const sub = '/subscriptions/6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const disk = (container: string, blob: string) => ({ kind: 'pageBlob' as const, container, blob });

describe('scopeContains', () => {
  it('holds a disk under its `/`-terminated prefix, in its region and container only', () => {
    const scope = blobScope('disks', 't1');
    expect(scopeContains(scope, 'westeurope', disk('disks', 't1/pc.vhd'))).toBe(true);
    expect(scopeContains(scope, 'westeurope', disk('disks', 't1/a/b/pc.vhd'))).toBe(true);
    expect(scopeContains(scope, 'westeurope', disk('disks', 't10/pc.vhd'))).toBe(false);
    expect(scopeContains(scope, 'westeurope', disk('disks', 't1.vhd'))).toBe(false);
    expect(scopeContains(scope, 'westeurope', disk('disks', 'T1/pc.vhd'))).toBe(false);
    expect(scopeContains(scope, 'northeurope', disk('disks', 't1/pc.vhd'))).toBe(false);
    expect(scopeContains(scope, 'westeurope', disk('other', 't1/pc.vhd'))).toBe(false);
  });

  it('holds every disk of its container without a prefix, and no page blob under an ARM scope', () => {
    expect(scopeContains(blobScope('disks'), 'westeurope', disk('disks', 'any/thing.vhd'))).toBe(true);
    expect(scopeContains(arm(sub), 'westeurope', disk('disks', 'pc.vhd'))).toBe(false);
  });
});

describe('scopesOverlap', () => {
  it.each([
    [arm(`${sub}/resourceGroups/rg-a`), arm(`${sub}/resourceGroups/RG-A`), true],
    [arm(`${sub}/resourceGroups/rg-a`), arm(`${sub}/resourcegroups/rg-a/`), true],
    [arm(`${sub}/resourceGroups/rg-a`), arm(sub.toUpperCase()), true],
    [arm(`${sub}/resourceGroups/rg-a`), arm(`${sub}/resourceGroups/rg-ab`), false],
    [arm(sub), arm('/subscriptions/00000000-0000-0000-0000-000000000001'), false],
    [blobScope('disks', 't1'), blobScope('disks', 't10'), false],
    [blobScope('disks', 't1'), blobScope('disks', 't1/x'), true],
    [blobScope('disks'), blobScope('disks', 't1'), true],
    [blobScope('disks', 't1'), blobScope('disks', 'T1'), false],
    [blobScope('disks'), blobScope('disks', undefined, 'northeurope'), false],
    [blobScope('disks'), arm(sub), false],
  ])('%o and %o: %s', (a, b, expected) => {
    expect(scopesOverlap(a, b)).toBe(expected);
    expect(scopesOverlap(b, a)).toBe(expected);
  });
});

describe('findOverlap', () => {
  it("names the first scope that overlaps another tenant's claim, never the tenant's own", () => {
    const claims = [
      { tenantId: 'a', scopes: [blobScope('disks', 'a')] },
      { tenantId: 'b', scopes: [blobScope('disks', 'b')] },
    ];
    expect(findOverlap(claims, 'a', [blobScope('disks', 'a/more')])).toBeUndefined();
    expect(findOverlap(claims, 'c', [blobScope('disks', 'c'), blobScope('disks', 'b/x')])).toEqual({
      index: 1,
      tenantId: 'b',
    });
  });
});

describe('isReservedContainer', () => {
  it.each([
    'restore-points',
    'restore-bases',
    'temporary-devices',
    'simulated-compute',
    'azure-webjobs-hosts',
    'hub-leases',
  ])('reserves %s', (container) => expect(isReservedContainer(container, 'Hub')).toBe(true));
  it('leaves a tenant its own names', () => expect(isReservedContainer('disks', 'Hub')).toBe(false));
});
