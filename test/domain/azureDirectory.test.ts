import { describe, expect, it } from 'vitest';
import {
  findDirectoryConflict,
  managedScopeSubscriptions,
  subscriptionDirectories,
} from '../../src/domain/azureDirectory';
import type { DiskScope, DiskScopeClaim } from '../../src/domain/diskScope';

const subA = 'aaaaaaaa-0000-4000-8000-000000000001';
const subB = 'bbbbbbbb-0000-4000-8000-000000000002';
const directory = 'dddddddd-0000-4000-8000-00000000000d';
const other = 'eeeeeeee-0000-4000-8000-00000000000e';
const managed = (armScope: string): DiskScope => ({ kind: 'managedDisk', armScope });
const pageBlob: DiskScope = { kind: 'pageBlob', region: 'westeurope', container: 'disks' };

describe('managedScopeSubscriptions', () => {
  it('names each subscription of the managed-disk scopes once, lower case, and nothing of page blobs', () => {
    expect(
      managedScopeSubscriptions([
        managed(`/subscriptions/${subA.toUpperCase()}/resourceGroups/rg-1`),
        pageBlob,
        managed(`/subscriptions/${subA}/resourceGroups/rg-2`),
        managed(`/subscriptions/${subB}`),
      ]),
    ).toEqual([subA, subB]);
  });
});

describe('subscriptionDirectories', () => {
  it("maps the subscriptions of claims naming a directory to it, and leaves the deployment's own out", () => {
    const claims: DiskScopeClaim[] = [
      { tenantId: 't1', scopes: [managed(`/subscriptions/${subA}`)] },
      {
        tenantId: 't2',
        scopes: [managed(`/subscriptions/${subB.toUpperCase()}/resourceGroups/rg`), pageBlob],
        azureDirectoryId: directory.toUpperCase(),
      },
    ];
    expect([...subscriptionDirectories(claims)]).toEqual([[subB, directory]]);
  });
});

describe('findDirectoryConflict', () => {
  const home: DiskScopeClaim = {
    tenantId: 'home',
    scopes: [managed(`/subscriptions/${subA}/resourceGroups/rg-h`)],
  };
  const customer: DiskScopeClaim = {
    tenantId: 'customer',
    scopes: [managed(`/subscriptions/${subB}/resourceGroups/rg-c`)],
    azureDirectoryId: directory,
  };

  it("refuses another directory in a subscription another tenant holds in the deployment's own", () => {
    const scopes = [pageBlob, managed(`/subscriptions/${subA.toUpperCase()}/resourceGroups/rg-x`)];
    expect(findDirectoryConflict([home, customer], 'new', scopes, other)).toEqual({
      index: 1,
      subscription: subA,
      tenantId: 'home',
      azureDirectoryId: undefined,
    });
  });

  it("refuses the deployment's own directory, or a third, in a subscription held in a customer's", () => {
    const scopes = [managed(`/subscriptions/${subB}/resourceGroups/rg-y`)];
    for (const mine of [undefined, other])
      expect(findDirectoryConflict([home, customer], 'new', scopes, mine)).toMatchObject({
        index: 0,
        tenantId: 'customer',
        azureDirectoryId: directory,
      });
  });

  it('accepts the same directory (in any case), another subscription, and the tenant’s own claim', () => {
    const inB = [managed(`/subscriptions/${subB}/resourceGroups/rg-y`)];
    expect(findDirectoryConflict([home, customer], 'new', inB, directory.toUpperCase())).toBeUndefined();
    const inA = [managed(`/subscriptions/${subA}/resourceGroups/rg-y`)];
    expect(findDirectoryConflict([home, customer], 'new', inA, undefined)).toBeUndefined();
    expect(findDirectoryConflict([home, customer], 'home', inA, other)).toBeUndefined();
    expect(findDirectoryConflict([home, customer], 'new', [pageBlob], other)).toBeUndefined();
  });
});
