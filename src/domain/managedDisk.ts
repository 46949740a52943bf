import { parseArmResourceId } from './armId';

/**
 * What recovery needs of a managed OS disk and its VM, recorded at registration while the primary
 * region is still readable: with the region gone, nothing there can be asked again.
 */
export interface ManagedDiskFacts {
  sizeGB: number;
  sizeBytes: number;
  /** `Standard`, `TrustedLaunch`, `ConfidentialVM_…`; undefined for a disk that names none. */
  securityType?: string;
  hyperVGeneration?: string;
  /** `SCSI`, `NVMe`: what the disk supports; a recovered VM must use one of them. */
  diskControllerTypes?: string;
  osType: string;
  vm?: { id: string; size?: string; zone?: string };
  /** The disk's own zone, when it is zonal. */
  zone?: string;
  /** A customer-managed key's disk encryption set: its copies need one named in the target region. */
  encryption: DiskEncryption;
  /** `AllowAll`, `AllowPrivate`, `DenyAll`: whether a SAS of its snapshots can be had. */
  networkAccessPolicy?: string;
}

/** Whether the network access policy forbids the read-only SAS content sampling needs. */
export function forbidsSas(networkAccessPolicy: string | undefined): boolean {
  return networkAccessPolicy?.toLowerCase() === 'denyall';
}

/** How a managed disk (or its snapshot) is encrypted at rest, as ARM reports it. */
export interface DiskEncryption {
  /** `EncryptionAtRestWithPlatformKey`, `EncryptionAtRestWithCustomerKey`, `EncryptionAtRestWithPlatformAndCustomerKeys`. */
  type?: string;
  diskEncryptionSetId?: string;
}

/**
 * Whether the data is encrypted with a customer-managed key: `EncryptionAtRestWithCustomerKey` or
 * `EncryptionAtRestWithPlatformAndCustomerKeys` (double encryption), or any encryption that names a
 * disk encryption set. Its copy in another region needs a disk encryption set there.
 */
export function usesCustomerManagedKey(encryption: DiskEncryption | undefined): boolean {
  if (!encryption) return false;
  return /customerkey/i.test(encryption.type ?? '') || !!encryption.diskEncryptionSetId;
}

/** The encryption a CopyStart copy asks for, or why it cannot be copied (never unencrypted). */
export type CopyEncryption =
  { ok: true; encryption?: { type: string; diskEncryptionSetId: string } } | { ok: false; reason: string };

/**
 * The encryption of a copy of `source` into a resource group of `subscriptionId` in `region`. A
 * customer-managed key's copy names a disk encryption set of the tenant's in that region and in
 * that very subscription ("Your disk encryption set, VM, disks, and snapshots must all be in the
 * same region and subscription": learn.microsoft.com, "disks-enable-customer-managed-keys-portal");
 * a platform-key disk's copy names none. The type is the source's, so a double-encrypted disk stays
 * double-encrypted. Without a set there, the copy is refused here: never copied with platform keys.
 */
export function copyEncryptionFor(
  source: DiskEncryption | undefined,
  encryptionSets: readonly string[],
  subscriptionId: string,
  region: string,
): CopyEncryption {
  if (!usesCustomerManagedKey(source)) return { ok: true };
  const set = encryptionSets.find(
    (id) => parseArmResourceId(id)?.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
  );
  if (!set)
    return {
      ok: false,
      reason: `the disk is encrypted with a customer-managed key and the tenant names no disk encryption set in ${region} for subscription ${subscriptionId} (backupDiskEncryptionSets): it is not copied with another key`,
    };
  const type = /customerkey/i.test(source?.type ?? '') ? source!.type! : 'EncryptionAtRestWithCustomerKey';
  return { ok: true, encryption: { type, diskEncryptionSetId: set } };
}
