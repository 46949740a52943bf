/** The tenant form carries the Azure directory of a tenant's managed disks: kept on save, left out when blank. */
import { describe, expect, it } from 'vitest';
import { newTenantForm, tenantBodyOf, tenantFormOf, type Tenant } from '../src/logic/tenantForm';

const id = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const directory = 'dddddddd-0000-4000-8000-00000000000d';
const stored: Tenant = {
  id,
  name: 'Fabrikam',
  licences: 5,
  allowedBackupRegions: ['northeurope'],
  diskScopes: [{ kind: 'managedDisk', armScope: '/subscriptions/00000000-0000-0000-0000-000000000001' }],
  azureDirectoryId: directory,
  regionsInOutage: [],
  createdAt: '2025-03-01T00:00:00.000Z',
  updatedAt: '2025-03-01T00:00:00.000Z',
};

describe('tenant form: Azure directory', () => {
  it("saves a loaded tenant's directory with it: a PUT without it would move the tenant home", () => {
    const result = tenantBodyOf(tenantFormOf(stored));
    expect(result).toMatchObject({ body: { azureDirectoryId: directory } });
  });

  it('sends the directory as typed, trimmed, and leaves it out when blank', () => {
    const form = {
      ...newTenantForm(id),
      name: 'Fabrikam',
      licences: '5',
      allowedBackupRegions: 'northeurope',
    };
    expect(tenantBodyOf({ ...form, azureDirectoryId: `  ${directory} ` })).toMatchObject({
      body: { azureDirectoryId: directory },
    });
    const blank = tenantBodyOf({ ...form, azureDirectoryId: '   ' });
    expect('body' in blank && blank.body).not.toHaveProperty('azureDirectoryId');
  });

  it("starts blank for a new tenant and for one in the deployment's own directory", () => {
    expect(newTenantForm(id).azureDirectoryId).toBe('');
    const { azureDirectoryId: _directory, ...home } = stored;
    expect(tenantFormOf(home).azureDirectoryId).toBe('');
  });
});
