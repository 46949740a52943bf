/**
 * A device's capacity round: which size and zone its VM tries next when Azure has none. A VM
 * failed for allocation (`AllocationFailed`, `OverconstrainedAllocationRequest`) or refused a size
 * (`SkuNotAvailable`) is PUT again with the next fitting size; with the sizes of a zone spent, or
 * on `ZonalAllocationFailed`, the VM goes (with its disk and NIC) and a disk is made in the next
 * zone, since a zonal disk attaches only to a VM in its zone. With every zone spent the round ends
 * in `CapacityUnavailableError('no-capacity')` and the next ensure starts a new round. A cores
 * quota is `CapacityUnavailableError('quota-exceeded')`, naming the quota: the disk and NIC stay,
 * and the VM is PUT again when asked next. Any other failure is `failed` with ARM's code and
 * message, and the VM is removed so that ensuring again starts over.
 */
import type { Disk, VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import { parseArmResourceId } from '../../../domain/armId';
import { CapacityUnavailableError, type TemporaryDeviceState } from '../../../ports/ComputeProvider';
import {
  classifyArmError,
  describeFailure,
  isOperationInProgress,
  type CreationFailure,
} from './computeErrors';
import type { DeviceResourceCreation } from './DeviceResourceCreation';
import { provisioningIn, type DeviceTarget } from './deviceTarget';
import { nextSize, nextZone, type Placement } from './placement';
import type { PlacementPlan, PlacementPlans } from './PlacementPlans';
import type { ResourceDeletions } from './ResourceDeletions';
import type { GroupResources, ResourceGroupView } from './ResourceGroupView';
import { nicName, vmName, zonesTried } from './temporaryDeviceResources';

/** What leaves when the round moves zones: the VM (its disk and NIC go with it), else the disk alone. */
export interface Leaving {
  kind: 'vms' | 'disks';
  name: string;
}

export class CapacityRound {
  constructor(
    private readonly plans: PlacementPlans,
    private readonly creation: DeviceResourceCreation,
    private readonly deletions: ResourceDeletions,
    private readonly view: ResourceGroupView,
  ) {}

  /**
   * PUTs the VM with `first`'s size; a refusal that names the size (not offered, no capacity)
   * moves on to the next size at once, without waiting for a listing.
   */
  async putVm(
    target: DeviceTarget,
    plan: PlacementPlan,
    first: Placement,
    disk: Disk,
    nic: NetworkInterface,
    tried: readonly string[],
    vmExists = false,
  ): Promise<TemporaryDeviceState> {
    const leaving: Leaving = vmExists
      ? { kind: 'vms', name: vmName(target.name) }
      : { kind: 'disks', name: disk.name! };
    let placement: Placement | undefined = first;
    let last: CreationFailure | undefined;
    while (placement) {
      try {
        await this.creation.submitVm(target, placement, disk.id!, nic.id!, tried);
        return provisioningIn(target);
      } catch (err) {
        if (isOperationInProgress(err)) return provisioningIn(target);
        last = classifyArmError(err);
        switch (last.kind) {
          case 'quota':
            throw quotaError(target, last);
          case 'sku-not-available':
          case 'size-capacity':
            placement = nextSize(plan.sizes, placement.zone, placement.size, plan.fitOf);
            continue;
          case 'zone-capacity':
            return await this.moveZone(target, plan, placement.zone, tried, leaving, describeFailure(last));
          case 'other':
            return { state: 'failed', reason: `Creating VM ${target.name} failed: ${describeFailure(last)}` };
        }
      }
    }
    return await this.moveZone(
      target,
      plan,
      first.zone,
      tried,
      leaving,
      last ? describeFailure(last) : undefined,
    );
  }

  /** A VM that failed to provision: the next size, the next zone, waiting for quota, or failed. */
  async afterFailure(
    target: DeviceTarget,
    vm: VirtualMachine,
    failure: CreationFailure,
  ): Promise<TemporaryDeviceState> {
    const zone = vm.zones?.[0];
    const tried = zonesTried(vm.tags);
    switch (failure.kind) {
      case 'quota': {
        // Asked again: the same VM, in case the quota was raised; refused again, still waiting.
        const plan = await this.plans.for(target);
        const size = vm.hardwareProfile?.vmSize;
        const placement = size ? nextSize([size], zone, undefined, plan.fitOf) : undefined;
        const resources = await this.view.get(target.subscriptionId, target.resourceGroup);
        const disk = diskOf(vm, resources);
        const nic = resources.nics.get(nicName(target.name).toLowerCase());
        if (!placement || !disk || !nic) throw quotaError(target, failure);
        return await this.putVm(target, plan, placement, disk, nic, tried, true);
      }
      case 'size-capacity':
      case 'sku-not-available': {
        const plan = await this.plans.for(target);
        const next = nextSize(plan.sizes, zone, vm.hardwareProfile?.vmSize, plan.fitOf);
        if (!next)
          return await this.moveZone(
            target,
            plan,
            zone,
            tried,
            { kind: 'vms', name: vm.name! },
            describeFailure(failure),
          );
        const resources = await this.view.get(target.subscriptionId, target.resourceGroup);
        const disk = diskOf(vm, resources);
        const nic = resources.nics.get(nicName(target.name).toLowerCase());
        // Its disk or NIC not listed yet: the next check finds them.
        if (!disk || !nic) return provisioningIn(target);
        return await this.putVm(target, plan, next, disk, nic, tried, true);
      }
      case 'zone-capacity':
        return await this.moveZone(
          target,
          await this.plans.for(target),
          zone,
          tried,
          { kind: 'vms', name: vm.name! },
          describeFailure(failure),
        );
      case 'other':
        await this.deletions.start(target.subscriptionId, target.resourceGroup, 'vms', vm.name!);
        return {
          state: 'failed',
          reason: `VM ${target.name} failed to provision: ${describeFailure(failure)}`,
        };
    }
  }

  /**
   * No size left in `zone`: what is `leaving` goes, and a disk is made in the next zone of the
   * round, recording the zones tried; none left ends the round.
   */
  async moveZone(
    target: DeviceTarget,
    plan: PlacementPlan,
    zone: string | undefined,
    triedBefore: readonly string[],
    leaving: Leaving,
    why: string | undefined,
  ): Promise<TemporaryDeviceState> {
    const tried =
      zone === undefined || triedBefore.includes(zone) ? [...triedBefore] : [...triedBefore, zone];
    // The VM takes its disk and NIC with it; without a VM, this zone's disk goes alone. A refusal
    // is let be: the next step without a VM deletes an older disk of the round.
    await this.deletions.start(target.subscriptionId, target.resourceGroup, leaving.kind, leaving.name);
    const next = zone === undefined ? undefined : nextZone(plan.zones, tried, plan.sizes, plan.fitOf);
    if (!next) {
      const where = tried.length > 0 ? `zones ${tried.join(', ')}` : 'the region';
      throw new CapacityUnavailableError(
        'no-capacity',
        `No capacity for ${target.name} in ${target.region}: sizes ${plan.sizes.join(', ')} tried in ${where}${why ? ` (last: ${why})` : ''}`,
      );
    }
    return await this.creation.createDisk(target, next.zone, tried);
  }
}

function quotaError(
  target: DeviceTarget,
  failure: Extract<CreationFailure, { kind: 'quota' }>,
): CapacityUnavailableError {
  return new CapacityUnavailableError(
    'quota-exceeded',
    `The ${failure.quota} of subscription ${target.subscriptionId} in ${target.region} is spent: ${failure.message}`,
  );
}

/** The VM's OS disk as the listing shows it. */
function diskOf(vm: VirtualMachine, resources: GroupResources): Disk | undefined {
  const id = vm.storageProfile?.osDisk?.managedDisk?.id;
  const name = id ? parseArmResourceId(id)?.name : undefined;
  return name ? resources.disks.get(name.toLowerCase()) : undefined;
}
