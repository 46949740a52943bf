/** A customer organisation, identified by its Entra tenant id, and its disaster-recovery entitlement. */
import type { DiskScope } from './diskScope';

export interface Tenant {
  id: string;
  name: string;
  /** Disaster-recovery licences: devices beyond this count are stored but not protected. */
  licences: number;
  /** Regions the tenant allows its restore points to live in (data sovereignty). */
  allowedBackupRegions: string[];
  /**
   * Where the tenant's disks may live, set by the platform (DR.PlatformAdmin): a disk outside
   * them is never registered, protected or recovered.
   */
  diskScopes: DiskScope[];
  /**
   * Per backup region, the resource groups (ARM ids, each inside a managed-disk scope) where the
   * restore points of the tenant's managed disks go, set by the platform. Devices are sharded over
   * them (`src/domain/managedDiskPlacement.ts`). Absent: no managed-disk protection.
   */
  backupResourceGroups?: Record<string, string[]>;
  /**
   * Per backup region, the disk encryption sets (ARM ids, each inside a managed-disk scope, at most
   * one per subscription) that copies of disks encrypted with a customer-managed key are encrypted
   * with there: a set must be in the copy's own region and subscription. Set by the platform; a
   * region whose backup groups span subscriptions names one set in each of them.
   */
  backupDiskEncryptionSets?: Record<string, string[]>;
  /**
   * The Entra tenant (directory) id, lower case, that the subscriptions of the tenant's managed-disk
   * scopes belong to, set by the platform with the scopes. Absent: the deployment's own directory,
   * reached with the control plane's managed identity; present: the customer's, reached as the
   * multi-tenant app registration (`CROSS_DIRECTORY_APP_CLIENT_ID`) through its federated
   * credential. Never the deployment's own id (that is the absent case), and never different from
   * another tenant's with a scope in the same subscription.
   */
  azureDirectoryId?: string;
  /**
   * Primary regions under an activation (outage mode): their devices' scheduling pauses instead
   * of piling up failures, and their restore points are never pruned.
   */
  regionsInOutage: string[];
  createdAt: string;
  updatedAt: string;
  /** Opaque version for optimistic concurrency (the store's ETag). */
  version?: string;
}

/** A tenant id is its Entra tenant id: a GUID, in either case (compare and name by its lower case). */
export const tenantIdPattern =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
