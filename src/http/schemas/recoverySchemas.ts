/** A policy's recovery settings for Azure compute: ids of the backup region's network, sizes, host pool. */
import { z } from 'zod';
import { armName as name, armResourceId as armId, guid } from './common';

const subnetId = armId(
  `Microsoft\\.Network\\/virtualNetworks\\/${name}\\/subnets\\/${name}`,
  '/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
);
const capacityReservationGroupId = armId(
  `Microsoft\\.Compute\\/capacityReservationGroups\\/${name}`,
  '/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/capacityReservationGroups/{name}',
);
/** An AVD host pool's ARM id. */
export const hostPoolId = armId(
  `Microsoft\\.DesktopVirtualization\\/hostPools\\/${name}`,
  '/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.DesktopVirtualization/hostPools/{name}',
);
const applicationGroupId = armId(
  `Microsoft\\.DesktopVirtualization\\/applicationGroups\\/${name}`,
  '/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.DesktopVirtualization/applicationGroups/{name}',
);
const vmSize = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,63}$/, 'must be a VM size such as Standard_D4s_v5');

export const recoveryBody = z
  .strictObject({
    subnetIds: z
      .array(subnetId)
      .min(1)
      .max(50)
      .describe(
        'One subnet per subscription holding backup resource groups of the tenant in the backup region',
      ),
    fallbackSizes: z
      .array(vmSize)
      .max(10)
      .optional()
      .describe(
        "Sizes tried in order after the device's own when it has no capacity, is not offered or does not fit",
      ),
    zones: z
      .array(z.string().regex(/^[1-3]$/, 'must be an availability zone: 1, 2 or 3'))
      .min(1)
      .max(3)
      .optional()
      .describe("Zones tried after the disk's own when a zone has no capacity; absent: 1, 2, 3"),
    capacityReservationGroupIds: z.array(capacityReservationGroupId).max(50).optional(),
    hostPoolId: hostPoolId.optional().describe('The AVD personal host pool recovered desktops register with'),
    applicationGroupId: applicationGroupId
      .optional()
      .describe("The host pool's desktop application group (its assignment is checked, never made)"),
    userGroupObjectId: guid
      .optional()
      .describe('The Entra group assigned to that application group in advance'),
  })
  .describe(
    'How devices come up on Azure compute (COMPUTE_PROVIDER=azure): subnets, fallback sizes and zones, capacity reservations, the DR host pool. Every id lies in the backup region, inside the tenant’s managed-disk scopes',
  );
