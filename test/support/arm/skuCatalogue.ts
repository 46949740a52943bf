/**
 * The VM sizes the double offers (rule sku.list), their capabilities and per-subscription
 * restrictions, and the resource-SKU JSON `GET …/providers/Microsoft.Compute/skus` answers with.
 */
import { normalizeLocation, sameLocation } from './context';
import type { SeedVmSize } from './types';

export type VmSize = Required<Omit<SeedVmSize, 'locations'>> & { locations: string[] | undefined };

const DEFAULTS: Omit<VmSize, 'name' | 'family'> = {
  vCPUs: 2,
  memoryGB: 8,
  hyperVGenerations: ['V1', 'V2'],
  diskControllerTypes: ['SCSI'],
  premiumIO: true,
  trustedLaunch: true,
  confidential: false,
  locations: undefined,
  zones: ['1', '2', '3'],
  restrictions: [],
};

/** A few real sizes (capabilities as Azure lists them for these series). */
const DEFAULT_CATALOGUE: SeedVmSize[] = [
  { name: 'Standard_D2s_v5', family: 'standardDSv5Family', vCPUs: 2, memoryGB: 8 },
  { name: 'Standard_D4s_v5', family: 'standardDSv5Family', vCPUs: 4, memoryGB: 16 },
  { name: 'Standard_D2as_v5', family: 'standardDASv5Family', vCPUs: 2, memoryGB: 8 },
  { name: 'Standard_E2s_v5', family: 'standardESv5Family', vCPUs: 2, memoryGB: 16 },
  // v6: NVMe only, generation 2 only.
  {
    name: 'Standard_D2s_v6',
    family: 'standardDSv6Family',
    vCPUs: 2,
    memoryGB: 8,
    hyperVGenerations: ['V2'],
    diskControllerTypes: ['NVMe'],
  },
  // Dv3: no premium storage, generation 1 only, no Trusted Launch.
  {
    name: 'Standard_D2_v3',
    family: 'standardDv3Family',
    vCPUs: 2,
    memoryGB: 8,
    hyperVGenerations: ['V1'],
    premiumIO: false,
    trustedLaunch: false,
  },
];

export class SkuCatalogue {
  private readonly sizes = new Map<string, VmSize>();

  constructor() {
    for (const size of DEFAULT_CATALOGUE) this.seed(size);
  }

  /** Adds a size or merges the given fields over the one of that name. */
  seed(size: SeedVmSize): void {
    if (!size.name) throw new RangeError('A VM size needs a name');
    const key = size.name.toLowerCase();
    const existing = this.sizes.get(key);
    const defined = Object.fromEntries(Object.entries(size).filter(([, v]) => v !== undefined));
    const merged = {
      ...DEFAULTS,
      family: `${size.name.replace(/^Standard_/, 'standard')}Family`,
      ...(existing ?? {}),
      ...defined,
    } as VmSize;
    if (!(merged.vCPUs > 0)) throw new RangeError(`vCPUs must be positive, got ${merged.vCPUs}`);
    this.sizes.set(key, merged);
  }

  get(name: string): VmSize | undefined {
    return this.sizes.get(name.toLowerCase());
  }

  /** The size if the region offers it at all (restrictions aside). */
  offered(name: string, location: string): VmSize | undefined {
    const size = this.get(name);
    if (!size) return undefined;
    if (size.locations && !size.locations.some((l) => sameLocation(l, location))) return undefined;
    return size;
  }

  /** Whether the subscription may not use the size in the region (or in the zone, when given). */
  restricted(size: VmSize, subscriptionId: string, location: string, zone: string | undefined): boolean {
    return this.restrictionsFor(size, subscriptionId).some(
      (r) =>
        sameLocation(r.location, location) &&
        (r.zones === undefined || (zone !== undefined && r.zones.includes(zone))),
    );
  }

  /** The resource-SKU list for one subscription, optionally for one region. */
  list(subscriptionId: string, location: string | undefined, knownRegions: string[]): unknown[] {
    const entries: unknown[] = [];
    for (const size of this.sizes.values()) {
      const regions = location
        ? [normalizeLocation(location)]
        : [...new Set((size.locations ?? knownRegions).map(normalizeLocation))];
      for (const region of regions) {
        if (size.locations && !size.locations.some((l) => sameLocation(l, region))) continue;
        entries.push(this.json(size, subscriptionId, region));
      }
    }
    return entries;
  }

  private restrictionsFor(size: VmSize, subscriptionId: string): VmSize['restrictions'] {
    return size.restrictions.filter(
      (r) =>
        r.subscriptionId === undefined || r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase(),
    );
  }

  private json(size: VmSize, subscriptionId: string, region: string): unknown {
    const capabilities: { name: string; value: string }[] = [
      { name: 'vCPUs', value: String(size.vCPUs) },
      { name: 'vCPUsAvailable', value: String(size.vCPUs) },
      { name: 'MemoryGB', value: String(size.memoryGB) },
      { name: 'HyperVGenerations', value: size.hyperVGenerations.join(',') },
      { name: 'PremiumIO', value: size.premiumIO ? 'True' : 'False' },
      { name: 'DiskControllerTypes', value: size.diskControllerTypes.join(', ') },
      ...(size.trustedLaunch ? [] : [{ name: 'TrustedLaunchDisabled', value: 'True' }]),
      ...(size.confidential ? [{ name: 'ConfidentialComputingType', value: 'SNP' }] : []),
    ];
    const restrictions = this.restrictionsFor(size, subscriptionId)
      .filter((r) => sameLocation(r.location, region))
      .map((r) =>
        r.zones === undefined
          ? {
              type: 'Location',
              values: [region],
              restrictionInfo: { locations: [region] },
              reasonCode: 'NotAvailableForSubscription',
            }
          : {
              type: 'Zone',
              values: [region],
              restrictionInfo: { locations: [region], zones: [...r.zones] },
              reasonCode: 'NotAvailableForSubscription',
            },
      );
    return {
      resourceType: 'virtualMachines',
      name: size.name,
      tier: 'Standard',
      size: size.name.replace(/^Standard_/, ''),
      family: size.family,
      locations: [region],
      locationInfo: [{ location: region, zones: [...size.zones], zoneDetails: [] }],
      capabilities,
      restrictions,
    };
  }
}
