/**
 * A device with no VM yet: its disk (copied from the restore point), then its NIC, then the VM's
 * PUT, one step per ensure. The disk of the current round is the one recording the most zones
 * tried; an older one is a leftover of a zone the round left, and is deleted.
 */
import type { TemporaryDeviceState } from '../../../ports/ComputeProvider';
import type { CapacityRound } from './CapacityRound';
import type { DeviceResourceCreation } from './DeviceResourceCreation';
import { resourcesOfDevice } from './deviceIndex';
import { provisioningIn, type DeviceTarget } from './deviceTarget';
import { nextSize, nextZone, whyNothingFits } from './placement';
import type { PlacementPlans } from './PlacementPlans';
import { isDeleting, type ResourceDeletions } from './ResourceDeletions';
import type { GroupResources } from './ResourceGroupView';
import { nicName, zonesTried } from './temporaryDeviceResources';

export class StepsBeforeVm {
  constructor(
    private readonly plans: PlacementPlans,
    private readonly creation: DeviceResourceCreation,
    private readonly deletions: ResourceDeletions,
    private readonly round: CapacityRound,
  ) {}

  /** The next step for a device the listing shows no VM of: the disk, then the NIC, then the VM. */
  async advance(target: DeviceTarget, resources: GroupResources): Promise<TemporaryDeviceState> {
    // From the listing's index by device: a lookup, not a scan of every disk in the group.
    const disks = resourcesOfDevice(resources, 'disks', target.name);
    const live = disks.filter((d) => !isDeleting(d));
    // The newest disk of the round records the most zones tried; an older one is a leftover.
    const current = live.sort((a, b) => zonesTried(b.tags).length - zonesTried(a.tags).length)[0];
    for (const stale of live.slice(1))
      if (!stale.managedBy)
        await this.deletions.start(target.subscriptionId, target.resourceGroup, 'disks', stale.name!);
    if (!current) {
      // A round that ended is starting again only once its resources are gone.
      if (disks.length > 0) return provisioningIn(target);
      const plan = await this.plans.for(target);
      const placement = nextZone(plan.zones, [], plan.sizes, plan.fitOf);
      if (!placement) return { state: 'failed', reason: whyNothingFits(plan.sizes, plan.zones, plan.fitOf) };
      return await this.creation.createDisk(target, placement.zone, []);
    }
    const diskState = (current.provisioningState ?? '').toLowerCase();
    if (diskState === 'failed') {
      await this.deletions.start(target.subscriptionId, target.resourceGroup, 'disks', current.name!);
      return {
        state: 'failed',
        reason: `The disk ${current.name} copied from ${target.snapshotId} failed to provision`,
      };
    }
    if (diskState !== 'succeeded') return provisioningIn(target);

    const nic = resources.nics.get(nicName(target.name).toLowerCase());
    if (!nic) return await this.creation.createNic(target);
    const nicState = (nic.provisioningState ?? '').toLowerCase();
    if (nicState === 'deleting' || nicState === 'updating' || nicState === '') return provisioningIn(target);
    if (nicState === 'failed') {
      await this.deletions.start(target.subscriptionId, target.resourceGroup, 'nics', nic.name!);
      return { state: 'failed', reason: `The network interface ${nic.name} failed to provision` };
    }

    const plan = await this.plans.for(target);
    const zone = current.zones?.[0];
    const tried = zonesTried(current.tags);
    const placement = nextSize(plan.sizes, zone, undefined, plan.fitOf);
    if (!placement)
      return await this.round.moveZone(
        target,
        plan,
        zone,
        tried,
        { kind: 'disks', name: current.name! },
        'no candidate size fits there',
      );
    return await this.round.putVm(target, plan, placement, current, nic, tried);
  }
}
