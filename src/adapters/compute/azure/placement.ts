/**
 * Where a device's VM goes, and where it goes next when Azure has no capacity there: zones in
 * order (the disk's own first), and within a zone the candidate sizes in order, skipping each that
 * does not fit. Pure: the provider reads the current zone and size from ARM and asks for the next.
 */
import type { SizeFit } from './sizeFit';

export interface Placement {
  /** Undefined: a regional VM (the region has no availability zones for these sizes). */
  zone?: string;
  size: string;
  diskControllerType?: 'NVMe';
}

export type FitOf = (size: string, zone: string | undefined) => SizeFit;

/**
 * The zones tried in a round: the recorded zone first (the disk's, else its VM's), then the
 * policy's zones, else 1, 2, 3; each once and only those the region offers. A region without
 * zones gives one regional placement.
 */
export function zoneOrder(
  recorded: string | undefined,
  policyZones: readonly string[] | undefined,
  regionZones: readonly string[],
): (string | undefined)[] {
  if (regionZones.length === 0) return [undefined];
  const order: string[] = [];
  for (const zone of [recorded, ...(policyZones ?? ['1', '2', '3'])])
    if (zone && regionZones.includes(zone) && !order.includes(zone)) order.push(zone);
  return order;
}

/** The first size after `after` (from the start when undefined) that fits in `zone`; undefined when none is left. */
export function nextSize(
  sizes: readonly string[],
  zone: string | undefined,
  after: string | undefined,
  fitOf: FitOf,
): Placement | undefined {
  const start = after === undefined ? 0 : sizes.findIndex((s) => s.toLowerCase() === after.toLowerCase()) + 1;
  for (const size of sizes.slice(start)) {
    const fit = fitOf(size, zone);
    if (fit.fits)
      return {
        ...(zone !== undefined ? { zone } : {}),
        size,
        ...(fit.diskControllerType ? { diskControllerType: fit.diskControllerType } : {}),
      };
  }
  return undefined;
}

/** The first zone of the order, not yet tried in this round, where some size fits. */
export function nextZone(
  zones: readonly (string | undefined)[],
  tried: readonly string[],
  sizes: readonly string[],
  fitOf: FitOf,
): Placement | undefined {
  for (const zone of zones) {
    if (zone !== undefined && tried.includes(zone)) continue;
    const placement = nextSize(sizes, zone, undefined, fitOf);
    if (placement) return placement;
  }
  return undefined;
}

/** Why no size fits anywhere: each candidate's first reason, for the device's failure. */
export function whyNothingFits(
  sizes: readonly string[],
  zones: readonly (string | undefined)[],
  fitOf: FitOf,
): string {
  if (sizes.length === 0) return 'the device records no VM size and the policy names no fallback sizes';
  const reasons = sizes.map((size) => {
    const fit = fitOf(size, zones[0]);
    return fit.fits ? `${size} fits` : fit.reason;
  });
  return `no candidate size fits the disk: ${reasons.join('; ')}`;
}
