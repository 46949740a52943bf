/**
 * The VM sizes of a region as one subscription sees them (capabilities, and restrictions for that
 * subscription), from the resource SKUs API filtered by location
 * (learn.microsoft.com/rest/api/compute/resource-skus/list: "Only location filter is supported").
 * One listing per subscription and region, kept for an hour: sizes and restrictions change rarely,
 * and a size wrongly kept costs one refused PUT (`SkuNotAvailable`, handled as the next size).
 */
import type { Clock } from '../../../ports/Clock';
import type { ComputeClients } from '../../arm/createComputeClient';
import { SharedReads } from './sharedReads';
import { sizeInfoOf, type SizeInfo } from './sizeFit';

export interface RegionSizes {
  /** By size name in lower case. */
  sizes: Map<string, SizeInfo>;
  /** Every zone any size is offered in: empty in a region without availability zones. */
  zones: string[];
}

export class SkuCatalog {
  private readonly reads: SharedReads<RegionSizes>;

  constructor(
    private readonly clients: ComputeClients,
    clock: Clock,
    ttlInMs = 60 * 60_000,
  ) {
    this.reads = new SharedReads(clock, ttlInMs);
  }

  async region(subscriptionId: string, region: string): Promise<RegionSizes> {
    const key = `${subscriptionId.toLowerCase()}/${region.toLowerCase()}`;
    return await this.reads.get(key, async () => {
      const sizes = new Map<string, SizeInfo>();
      const zones = new Set<string>();
      const listing = this.clients
        .for(subscriptionId)
        .resourceSkus.list({ filter: `location eq '${region}'` });
      for await (const sku of listing) {
        if (sku.resourceType?.toLowerCase() !== 'virtualmachines' || !sku.name) continue;
        const info = sizeInfoOf(sku, region);
        sizes.set(sku.name.toLowerCase(), info);
        for (const zone of info.zones) zones.add(zone);
      }
      return { sizes, zones: [...zones].sort() };
    });
  }
}
