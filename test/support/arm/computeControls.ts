/**
 * What a test sets about compute beyond the catalogue: vCPU quotas (rule vm.quota.cores),
 * injected capacity failures (vm.allocation.failed), VMs that never finish (vm.provisioning.stuck)
 * and capacity reservations (vm.capacityReservation).
 */
import { normalizeLocation, sameLocation } from './context';
import type { CapacityFault, SeedCapacityReservation, StuckVmMatch } from './types';

interface Counted<T> {
  rule: T;
  remaining: number;
}

export class ComputeControls {
  private readonly quotas = new Map<string, number>();
  private readonly capacity: Counted<CapacityFault>[] = [];
  private readonly stuck: Counted<StuckVmMatch>[] = [];
  readonly reservations: SeedCapacityReservation[] = [];

  setQuota(subscriptionId: string, region: string, family: string, cores: number): void {
    if (!(cores >= 0)) throw new RangeError(`cores must be non-negative, got ${cores}`);
    this.quotas.set(quotaKey(subscriptionId, region, family), cores);
  }

  /** The family's vCPU limit in the region; undefined when no quota was set (unlimited). */
  quota(subscriptionId: string, region: string, family: string): number | undefined {
    return this.quotas.get(quotaKey(subscriptionId, region, family));
  }

  injectCapacity(fault: CapacityFault): () => void {
    return push(this.capacity, fault);
  }

  stuckVm(match: StuckVmMatch): () => void {
    return push(this.stuck, match);
  }

  seedReservation(reservation: SeedCapacityReservation): void {
    if (!(reservation.capacity >= 0)) throw new RangeError('capacity must be non-negative');
    this.reservations.push({ ...reservation });
  }

  /** Takes the first capacity fault matching an allocation of `size` in (region, zone). */
  takeCapacity(region: string, size: string, zone: string | undefined): CapacityFault | undefined {
    return take(
      this.capacity,
      (f) =>
        sameLocation(f.region, region) &&
        (f.size === undefined || f.size.toLowerCase() === size.toLowerCase()) &&
        (f.zone === undefined || f.zone === zone),
    );
  }

  takeStuck(name: string, region: string, size: string): boolean {
    return (
      take(
        this.stuck,
        (m) =>
          (m.region === undefined || sameLocation(m.region, region)) &&
          (m.size === undefined || m.size.toLowerCase() === size.toLowerCase()) &&
          (m.nameIncludes === undefined || name.toLowerCase().includes(m.nameIncludes.toLowerCase())),
      ) !== undefined
    );
  }
}

function quotaKey(subscriptionId: string, region: string, family: string): string {
  return `${subscriptionId.toLowerCase()}|${normalizeLocation(region)}|${family.toLowerCase()}`;
}

function push<T extends { times?: number }>(list: Counted<T>[], rule: T): () => void {
  const entry = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
  list.push(entry);
  return () => {
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
  };
}

function take<T>(list: Counted<T>[], predicate: (rule: T) => boolean): T | undefined {
  const entry = list.find((e) => e.remaining > 0 && predicate(e.rule));
  if (!entry) return undefined;
  entry.remaining -= 1;
  if (entry.remaining <= 0) list.splice(list.indexOf(entry), 1);
  return entry.rule;
}
