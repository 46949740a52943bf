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
  encryption: {
    type?: string;
    /** A customer-managed key's disk encryption set: recovery needs one named in the target region. */
    diskEncryptionSetId?: string;
  };
  /** `AllowAll`, `AllowPrivate`, `DenyAll`: whether a SAS of its snapshots can be had. */
  networkAccessPolicy?: string;
}

/** Whether the network access policy forbids the read-only SAS content sampling needs. */
export function forbidsSas(networkAccessPolicy: string | undefined): boolean {
  return networkAccessPolicy?.toLowerCase() === 'denyall';
}
