/**
 * A device's capacity round laid out: its candidate sizes in order (its recorded size, then the
 * policy's fallbacks), its zones in order (the disk's own first), and whether a size fits the disk
 * in a zone, as the subscription sees the region (`SkuCatalog`). Read again at each step, from the
 * catalogue's cache, rather than stored: the round's position lives in ARM (the VM's size, the
 * disk's zone and the zones it records as tried), so any process can take the next step.
 */
import { zoneOrder, type FitOf } from './placement';
import type { DeviceTarget } from './deviceTarget';
import { candidateSizes, sizeFits } from './sizeFit';
import type { SkuCatalog } from './SkuCatalog';

export interface PlacementPlan {
  sizes: string[];
  zones: (string | undefined)[];
  fitOf: FitOf;
}

export class PlacementPlans {
  /** Sizes without premium IO do not fit a premium disk. */
  private readonly premium: boolean;

  constructor(
    private readonly skus: SkuCatalog,
    diskSku: string,
  ) {
    this.premium = /^premium/i.test(diskSku);
  }

  async for(target: DeviceTarget): Promise<PlacementPlan> {
    const region = await this.skus.region(target.subscriptionId, target.region);
    const fitOf: FitOf = (size, zone) =>
      sizeFits(region.sizes.get(size.toLowerCase()), size, target.disk, zone, this.premium);
    return {
      sizes: candidateSizes(target.disk.vm?.size, target.settings.fallbackSizes),
      zones: zoneOrder(target.disk.zone ?? target.disk.vm?.zone, target.settings.zones, region.zones),
      fitOf,
    };
  }
}
