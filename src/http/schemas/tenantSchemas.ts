import { z } from 'zod';
import { displayText, guid, regionName } from './common';
import { backupDiskEncryptionSets, backupResourceGroups, diskScope, diskScopes } from './diskScopeSchemas';

/** What a tenant's own DR.Admin sets. */
export const tenantSettingsBody = z.strictObject({
  name: displayText(256),
  allowedBackupRegions: z
    .array(regionName)
    .min(1)
    .max(20)
    .refine((regions) => new Set(regions).size === regions.length, 'must not repeat a region'),
});

const azureDirectoryNote =
  "The Entra tenant (directory) id the subscriptions of the tenant's managed-disk scopes belong to, when it is not this deployment's own: the control plane reaches them as its multi-tenant app registration (CROSS_DIRECTORY_APP_CLIENT_ID), whose service principal the customer created there and assigned the roles. Absent: this deployment's own directory, reached with its managed identity. A subscription belongs to one directory: a tenant naming another directory than a tenant already holding scopes in the same subscription is refused (409)";

/** What the platform sets: the settings, the licences and the disk scopes. */
export const tenantEntitlementBody = tenantSettingsBody.extend({
  licences: z.number().int().min(0).max(1_000_000),
  diskScopes: diskScopes
    .default([])
    .describe("Where the tenant's disks may live; never overlapping another tenant's"),
  backupResourceGroups: backupResourceGroups.default({}),
  backupDiskEncryptionSets: backupDiskEncryptionSets.default({}),
  azureDirectoryId: guid
    .refine((id) => !/^[0-]+$/.test(id), 'must be an Entra tenant id, not the nil GUID')
    .optional()
    .describe(azureDirectoryNote),
});

export const tenantResource = z.object({
  id: guid,
  name: z.string(),
  licences: z.number().int(),
  allowedBackupRegions: z.array(regionName),
  diskScopes: z.array(diskScope).describe("Where the tenant's disks may live, set by the platform"),
  backupResourceGroups: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .describe('Per backup region, the resource groups where restore points of managed disks go'),
  backupDiskEncryptionSets: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .describe(
      'Per backup region, the disk encryption sets that copies of customer-managed-key disks are encrypted with',
    ),
  azureDirectoryId: z.string().optional().describe(azureDirectoryNote),
  regionsInOutage: z
    .array(regionName)
    .describe('Primary regions under an activation: scheduling paused, nothing pruned'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
