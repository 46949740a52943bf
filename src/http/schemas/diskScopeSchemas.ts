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
