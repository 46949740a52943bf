import { describe, expect, it } from 'vitest';
import { fieldErrorsOfProblems } from '../src/logic/fieldErrors';
import {
  newTenantForm,
  otherDiskScopesField,
  otherScopesMessage,
  regionsOf,
  scopeIndexesOfRows,
  tenantBodyOf,
  tenantFormOf,
  type Tenant,
} from '../src/logic/tenantForm';

const id = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const managed = {
  kind: 'managedDisk' as const,
  armScope: '/subscriptions/00000000-0000-0000-0000-000000000001',
};
const stored: Tenant = {
  id,
  name: 'Contoso',
  licences: 500,
  allowedBackupRegions: ['northeurope', 'swedencentral'],
  diskScopes: [{ kind: 'pageBlob', region: 'westeurope', container: 'disks', prefix: id }, managed],
  backupResourceGroups: {
    northeurope: ['/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rp'],
  },
  regionsInOutage: [],
  createdAt: '2025-03-01T00:00:00.000Z',
  updatedAt: '2025-03-01T00:00:00.000Z',
};

describe('tenant form', () => {
  it('makes the README’s tenant from its fields', () => {
    const form = {
      ...newTenantForm(id.toUpperCase()),
      name: 'Contoso',
      licences: '500',
      allowedBackupRegions: 'northeurope',
      pageBlobScopes: [{ region: 'westeurope', container: 'disks', prefix: id }],
    };
    expect(tenantBodyOf(form)).toEqual({
      body: {
        name: 'Contoso',
        licences: 500,
        allowedBackupRegions: ['northeurope'],
        diskScopes: [{ kind: 'pageBlob', region: 'westeurope', container: 'disks', prefix: id }],
        backupResourceGroups: {},
        backupDiskEncryptionSets: {},
      },
    });
  });

  it('saves a loaded tenant as it was: scopes of every kind and its managed-disk settings', () => {
    const result = tenantBodyOf(tenantFormOf(stored));
    expect(result).toEqual({
      body: {
        name: 'Contoso',
        licences: 500,
        allowedBackupRegions: ['northeurope', 'swedencentral'],
        diskScopes: stored.diskScopes,
        backupResourceGroups: stored.backupResourceGroups,
        backupDiskEncryptionSets: {},
      },
    });
  });

  it('leaves out blank rows and a blank prefix (the whole container)', () => {
    const form = {
      ...tenantFormOf(stored),
      pageBlobScopes: [
        { region: '', container: '', prefix: '' },
        { region: ' westeurope ', container: 'disks', prefix: ' ' },
      ],
      otherDiskScopes: '',
    };
    const result = tenantBodyOf(form);
    expect('body' in result && result.body.diskScopes).toEqual([
      { kind: 'pageBlob', region: 'westeurope', container: 'disks' },
    ]);
  });

  it('reads regions separated by commas or spaces', () => {
    expect(regionsOf(' northeurope,swedencentral  uksouth, ')).toEqual([
      'northeurope',
      'swedencentral',
      'uksouth',
    ]);
  });

  it('names each field it cannot send', () => {
    const form = {
      ...newTenantForm('not-a-guid'),
      licences: 'many',
      otherDiskScopes: '{"kind":"managedDisk"}',
      backupResourceGroups: '{oops',
    };
    const result = tenantBodyOf(form);
    expect('problems' in result && result.problems.map((p) => p.field)).toEqual([
      'path.tenantId',
      'body.licences',
      otherDiskScopesField,
      'body.backupResourceGroups',
    ]);
  });
});

describe('where the API’s scope errors are shown', () => {
  const rows = [
    { region: 'westeurope', container: 'disks', prefix: 'a' },
    { region: '', container: '', prefix: '' },
    { region: 'westeurope', container: 'Bad', prefix: '' },
  ];

  it('maps each row to its place in the body, blank rows to none', () => {
    expect(scopeIndexesOfRows(rows)).toEqual([0, undefined, 1]);
  });

  it('names the JSON scopes’ errors by their place in the JSON', () => {
    const form = { ...newTenantForm(id), pageBlobScopes: rows, otherDiskScopes: JSON.stringify([managed]) };
    const errors = fieldErrorsOfProblems([
      { field: 'body.diskScopes.1.container', reason: 'must be a blob container name' },
      { field: 'body.diskScopes.2.armScope', reason: 'must be /subscriptions/{id}' },
    ]);
    expect(otherScopesMessage(errors, form)).toBe('item 0 armScope: must be /subscriptions/{id}');
  });
});
