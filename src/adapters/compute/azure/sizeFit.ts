/**
 * Whether a VM size can run a recovered OS disk, from the size's entry in the resource SKUs API
 * (`GET /subscriptions/{s}/providers/Microsoft.Compute/skus?$filter=location eq '{region}'`,
 * learn.microsoft.com/rest/api/compute/resource-skus/list): its capabilities and the restrictions
 * that apply to the calling subscription. Skipping a size here costs nothing; trying it would cost
 * a PUT (and the PUT VM budget) to learn the same thing from a 400 or 409.
 */
import type { ResourceSku } from '@azure/arm-compute';
import type { ManagedDiskFacts } from '../../../domain/managedDisk';

/** What the fit needs of one size, read from its SKU entry. */
export interface SizeInfo {
  name: string;
  /** The quota family (`standardDSv5Family`), named in quota errors. */
  family?: string;
  vCPUs?: number;
  /** `HyperVGenerations`: `V1,V2`. Absent: V1 only (the SKU API's default for older sizes). */
  hyperVGenerations: string[];
  /** `DiskControllerTypes`: `SCSI,NVMe`. Absent: SCSI only. */
  diskControllerTypes: string[];
  /** `PremiumIO`. */
  premiumIO: boolean;
  /** Not `TrustedLaunchDisabled`. */
  trustedLaunch: boolean;
  /** `ConfidentialComputingType` (SNP, TDX) set: a confidential size, which runs confidential VMs only. */
  confidential: boolean;
  /** The zones of the region the size is offered in (`locationInfo.zones`); empty for a regional-only size. */
  zones: string[];
  /** Restricted for this subscription in the whole region (`type: Location`, `NotAvailableForSubscription`). */
  restrictedInRegion: boolean;
  /** Zones restricted for this subscription (`type: Zone`, `restrictionInfo.zones`). */
  restrictedZones: string[];
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** The fit's view of a `virtualMachines` SKU entry for `region`. */
export function sizeInfoOf(sku: ResourceSku, region: string): SizeInfo {
  const capability = (name: string): string | undefined =>
    sku.capabilities?.find((c) => c.name?.toLowerCase() === name.toLowerCase())?.value;
  const here = (locations: readonly string[] | undefined) =>
    (locations ?? []).some((location) => location.toLowerCase() === region.toLowerCase());
  let restrictedInRegion = false;
  const restrictedZones: string[] = [];
  for (const restriction of sku.restrictions ?? []) {
    const where = restriction.restrictionInfo?.locations ?? restriction.values;
    if (where && where.length > 0 && !here(where)) continue;
    if (restriction.type === 'Location') restrictedInRegion = true;
    else if (restriction.type === 'Zone') restrictedZones.push(...(restriction.restrictionInfo?.zones ?? []));
  }
  const vCPUs = Number(capability('vCPUs'));
  const hyperV = list(capability('HyperVGenerations'));
  const controllers = list(capability('DiskControllerTypes'));
  return {
    name: sku.name ?? '',
    ...(sku.family ? { family: sku.family } : {}),
    ...(Number.isFinite(vCPUs) ? { vCPUs } : {}),
    hyperVGenerations: hyperV.length > 0 ? hyperV : ['V1'],
    diskControllerTypes: controllers.length > 0 ? controllers : ['SCSI'],
    premiumIO: capability('PremiumIO')?.toLowerCase() === 'true',
    trustedLaunch: capability('TrustedLaunchDisabled')?.toLowerCase() !== 'true',
    confidential: !!capability('ConfidentialComputingType'),
    zones: (sku.locationInfo ?? [])
      .filter((info) => info.location?.toLowerCase() === region.toLowerCase())
      .flatMap((info) => info.zones ?? []),
    restrictedInRegion,
    restrictedZones,
  };
}

export type SizeFit =
  | {
      fits: true;
      /** The controller the VM declares: NVMe only when the size needs it; else the platform default. */
      diskControllerType?: 'NVMe';
    }
  | { fits: false; reason: string };

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const has = (items: readonly string[], item: string) => items.some((i) => eq(i, item));

/** Whether the disk's security type is one of the confidential VM types. */
export function isConfidential(securityType: string | undefined): boolean {
  return /^confidentialvm/i.test(securityType ?? '');
}

/**
 * Whether `size` can run `disk` in `zone` (undefined: a regional VM) for the calling subscription,
 * with a disk of the premium SKU when `premiumDisk`. Reasons name the size and what is missing.
 */
export function sizeFits(
  size: SizeInfo | undefined,
  sizeName: string,
  disk: Pick<ManagedDiskFacts, 'hyperVGeneration' | 'diskControllerTypes' | 'securityType'>,
  zone: string | undefined,
  premiumDisk: boolean,
): SizeFit {
  if (!size) return { fits: false, reason: `${sizeName} is not offered in this region` };
  if (size.restrictedInRegion)
    return { fits: false, reason: `${sizeName} is not available to the subscription in this region` };
  if (zone !== undefined && size.zones.length > 0 && !has(size.zones, zone))
    return { fits: false, reason: `${sizeName} is not offered in zone ${zone}` };
  if (zone !== undefined && has(size.restrictedZones, zone))
    return { fits: false, reason: `${sizeName} is not available to the subscription in zone ${zone}` };
  const generation = disk.hyperVGeneration ?? 'V1';
  if (!has(size.hyperVGenerations, generation))
    return { fits: false, reason: `${sizeName} does not boot Hyper-V generation ${generation} disks` };
  // "Only supported for virtual machines whose operating system disk and VM sku supports
  // Generation 2"; an NVMe-only size does not boot a SCSI-only image (learn.microsoft.com,
  // "nvme-overview", aka.ms/azure-diskcontrollertypes).
  const diskControllers = list(disk.diskControllerTypes);
  const usable = (diskControllers.length > 0 ? diskControllers : ['SCSI']).filter((c) =>
    has(size.diskControllerTypes, c),
  );
  if (usable.length === 0)
    return {
      fits: false,
      reason: `${sizeName} supports only ${size.diskControllerTypes.join(', ')} disk controllers and the disk ${diskControllers.join(', ') || 'SCSI'}`,
    };
  if (premiumDisk && !size.premiumIO)
    return { fits: false, reason: `${sizeName} does not support premium storage` };
  const securityType = disk.securityType ?? 'Standard';
  if (isConfidential(securityType) !== size.confidential)
    return {
      fits: false,
      reason: size.confidential
        ? `${sizeName} runs confidential VMs only and the disk's security type is ${securityType}`
        : `${sizeName} does not run confidential VMs (the disk's security type is ${securityType})`,
    };
  if (eq(securityType, 'TrustedLaunch') && !size.trustedLaunch)
    return { fits: false, reason: `${sizeName} does not support Trusted Launch` };
  return has(usable, 'SCSI') ? { fits: true } : { fits: true, diskControllerType: 'NVMe' };
}

/** The device's recorded size first, then the policy's fallbacks, each once (sizes compare without case). */
export function candidateSizes(recorded: string | undefined, fallbacks: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const size of [recorded, ...fallbacks]) if (size && !out.some((s) => eq(s, size))) out.push(size);
  return out;
}
