import { describe, expect, it } from 'vitest';
import { armIdsEqual, armPathContains, parseManagedDiskId } from '../../src/domain/armId';
import { anyScopeContains, managedScopesContain, type DiskScope } from '../../src/domain/diskScope';
import {
  backupResourceGroupFor,
  contentSampled,
  managedSnapshotName,
  stickyBackupResourceGroup,
} from '../../src/domain/managedDiskPlacement';

const sub = '11111111-2222-4333-8444-555555555555';
const disk = (group: string, name = 'pc-os') =>
  `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.Compute/disks/${name}`;
const groups = (n: number) =>
  Array.from({ length: n }, (_, i) => `/subscriptions/${sub}/resourceGroups/rg-dr-${i}`);
const devices = Array.from({ length: 2_000 }, (_, i) => `pc-${i}`);
const tenant = 'AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('ARM ids', () => {
  it('compare by segment without regard to case', () => {
    expect(armIdsEqual(disk('RG-A'), disk('rg-a').toLowerCase())).toBe(true);
    expect(armPathContains(`/subscriptions/${sub}/resourceGroups/rg-a`, disk('RG-A'))).toBe(true);
    expect(armPathContains(`/subscriptions/${sub}/resourceGroups/rg-a`, disk('rg-ab'))).toBe(false);
    expect(parseManagedDiskId(disk('rg-a'))).toMatchObject({ resourceGroup: 'rg-a', name: 'pc-os' });
    expect(parseManagedDiskId(disk('rg-a').replace('/disks/', '/snapshots/'))).toBeUndefined();
  });
});

describe('scopeContains for managed disks', () => {
  const scopes: DiskScope[] = [
    { kind: 'managedDisk', armScope: `/subscriptions/${sub}/resourceGroups/RG-Desktops` },
  ];
  it('holds a disk under its subscription or resource group, case-insensitively, and nothing beside it', () => {
    expect(anyScopeContains(scopes, 'westeurope', { kind: 'managedDisk', armId: disk('rg-desktops') })).toBe(
      true,
    );
    expect(anyScopeContains(scopes, 'westeurope', { kind: 'managedDisk', armId: disk('rg-desktops2') })).toBe(
      false,
    );
    expect(anyScopeContains(scopes, 'westeurope', { kind: 'managedDisk', armId: 'not-an-id' })).toBe(false);
    expect(
      anyScopeContains(scopes, 'westeurope', { kind: 'pageBlob', container: 'rg-desktops', blob: 'x' }),
    ).toBe(false);
    expect(managedScopesContain(scopes, `/subscriptions/${sub}/resourceGroups/rg-desktops`)).toBe(true);
    expect(managedScopesContain(scopes, `/subscriptions/${sub}/resourceGroups/rg-other`)).toBe(false);
  });
});

describe('backupResourceGroupFor', () => {
  it('spreads devices over the groups and moves only those the new group wins when one is added', () => {
    const before = new Map(devices.map((d) => [d, backupResourceGroupFor(tenant, d, groups(4))]));
    const counts = new Map<string, number>();
    for (const g of before.values()) counts.set(g!, (counts.get(g!) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(400);
    const after = new Map(devices.map((d) => [d, backupResourceGroupFor(tenant, d, groups(5))]));
    const moved = devices.filter((d) => before.get(d) !== after.get(d));
    expect(moved.every((d) => after.get(d) === groups(5)[4])).toBe(true);
    expect(moved.length).toBeGreaterThan(250);
    expect(moved.length).toBeLessThan(550);
  });

  it('is the same whatever the order or case of the groups, and keeps a device in its current group', () => {
    const g = groups(3);
    expect(backupResourceGroupFor(tenant, 'pc-1', g)?.toLowerCase()).toBe(
      backupResourceGroupFor(
        tenant.toLowerCase(),
        'pc-1',
        [...g].reverse().map((x) => x.toUpperCase()),
      )?.toLowerCase(),
    );
    const elsewhere = g.find((x) => x !== backupResourceGroupFor(tenant, 'pc-1', g))!;
    expect(stickyBackupResourceGroup(tenant, 'pc-1', g, elsewhere.toUpperCase())).toBe(elsewhere);
    expect(backupResourceGroupFor(tenant, 'pc-1', [])).toBeUndefined();
  });
});

describe('managedSnapshotName', () => {
  it('is fixed by tenant, device and slot, fits ARM, and differs between source and copy', () => {
    const at = new Date('2026-06-01T10:00:00Z');
    const name = managedSnapshotName(tenant, 'pc-1', at, 'source');
    expect(name).toBe(managedSnapshotName(tenant.toLowerCase(), 'pc-1', at, 'source'));
    expect(name).not.toBe(managedSnapshotName(tenant, 'pc-2', at, 'source'));
    expect(name).not.toBe(managedSnapshotName(tenant, 'pc-1', new Date(at.getTime() + 1000), 'source'));
    expect(name).not.toBe(managedSnapshotName(tenant, 'pc-1', at, 'copy'));
    expect(name).toMatch(/^[A-Za-z0-9][-\w.]{0,79}$/);
  });
});

describe('contentSampled', () => {
  it('samples about 1 in n slots, the same answer every time', () => {
    const at = (i: number) => new Date(Date.UTC(2026, 5, 1) + i * 3_600_000);
    const sampled = devices.filter((d, i) => contentSampled(tenant, d, at(i), 10)).length;
    expect(sampled).toBeGreaterThan(140);
    expect(sampled).toBeLessThan(260);
    expect(contentSampled(tenant, 'pc-1', at(1), 10)).toBe(contentSampled(tenant, 'pc-1', at(1), 10));
    expect(devices.every((d, i) => contentSampled(tenant, d, at(i), 1))).toBe(true);
  });
});
