/** Disk scopes as the platform sets them and a tenant reads them. */
import { z } from 'zod';
import { regionName } from './common';
import { blobName, containerName } from './protectionSchemas';

/** An ARM subscription or resource group; ARM compares ids without regard to case. */
const armScope = z
  .string()
  .regex(
    /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\/resourcegroups\/[-\w.()]{0,89}[-\w()])?$/i,
    'must be /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}',
  );

export const diskScope = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('pageBlob'),
    region: regionName,
    container: containerName,
    prefix: blobName
      .optional()
      .describe(
        'A `/`-separated name prefix: `t1` holds `t1/pc.vhd`, not `t10/pc.vhd`; absent, the whole container',
      ),
  }),
  z.strictObject({
    kind: z.literal('managedDisk'),
    armScope: armScope.describe('Managed disks under this subscription or resource group'),
  }),
]);

export const diskScopes = z.array(diskScope).max(100);

/** A resource group's ARM id. */
const resourceGroupId = z
  .string()
  .regex(
    /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourcegroups\/[-\w.()]{0,89}[-\w()]$/i,
    'must be /subscriptions/{id}/resourceGroups/{name}',
  );

/**
 * Per backup region, the resource groups (each inside one of the tenant's managed-disk scopes)
 * where the restore points of its managed disks go; devices are sharded over them.
 */
export const backupResourceGroups = z
  .record(regionName, z.array(resourceGroupId).min(1).max(100))
  .refine((groups) => Object.keys(groups).length <= 20, 'at most 20 regions')
  .describe(
    "Per backup region, the resource groups (inside the tenant's managed-disk scopes) where restore points of managed disks go; devices are sharded over them",
  );

/** A disk encryption set's ARM id. */
const diskEncryptionSetId = z
  .string()
  .max(400)
  .regex(
    /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourcegroups\/[-\w.()]{0,89}[-\w()]\/providers\/Microsoft\.Compute\/diskEncryptionSets\/[-\w]{1,80}$/i,
    'must be /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/diskEncryptionSets/{name}',
  );

/**
 * Per backup region, the disk encryption sets that copies of customer-managed-key disks are
 * encrypted with there: each in that region, inside the tenant's managed-disk scopes, one per
 * subscription of the region's backup resource groups (a set serves its own subscription only).
 */
export const backupDiskEncryptionSets = z
  .record(regionName, z.array(diskEncryptionSetId).min(1).max(100))
  .refine((sets) => Object.keys(sets).length <= 20, 'at most 20 regions')
  .describe(
    "Per backup region, the disk encryption sets (one in each subscription of that region's backup resource groups, inside the tenant's managed-disk scopes) that copies of disks encrypted with a customer-managed key are encrypted with. A disk encryption set must be in the region and subscription of the snapshots it encrypts",
  );
