/**
 * Deletes a temporary device and whatever half of it was made: the VM, whose disk and NIC go with
 * it, then its DR session host record, then any disk or NIC made before a VM existed (after a
 * crash, or a round that moved zones). The session host goes after the VM's deletion has started:
 * its agent may register at any moment until then, and a host that registered between a look at
 * the pool and the VM's deletion would outlive it, its VM's tag naming the pool gone with the VM.
 * A device that reported its connection is removed by the session host's name, one DELETE: looking
 * it up walks the pool, and every device of a deactivation walking one pool at once is what made a
 * 300-device deactivation slow. Deletions are started, not awaited; the sweeper and deactivation
 * call again until nothing is listed.
 */
import { parseResourceGroupId } from '../../../domain/armId';
import type { TemporaryDeviceConnection } from '../../../ports/ComputeProvider';
import { hostPoolTag } from './deviceBodies';
import { resourcesOfDevice } from './deviceIndex';
import { isDeleting, type ResourceDeletions } from './ResourceDeletions';
import type { ResourceGroupView } from './ResourceGroupView';
import type { SessionHostRegistration } from './SessionHostRegistration';
import { nicName, vmIdIn, vmName } from './temporaryDeviceResources';

export class TemporaryDeviceDeletion {
  constructor(
    private readonly view: ResourceGroupView,
    private readonly deletions: ResourceDeletions,
    private readonly registration: SessionHostRegistration,
  ) {}

  /**
   * Deletes the device `name` from each of `scopes` (resource group ids). A deletion Azure refuses
   * for now (a disk still being created) throws, so the caller retries; anything missing is success.
   */
  async delete(
    region: string,
    name: string,
    scopes: readonly string[],
    connection?: TemporaryDeviceConnection,
  ): Promise<void> {
    const refused: string[] = [];
    for (const groupId of scopes) refused.push(...(await this.deleteIn(groupId, name, connection)));
    if (refused.length > 0)
      throw new Error(
        `Temporary device ${name} in ${region}: Azure refused to delete, retry: ${refused.join('; ')}`,
      );
  }

  /** Starts the deletions in one resource group; returns the refusals. */
  private async deleteIn(
    groupId: string,
    name: string,
    connection?: TemporaryDeviceConnection,
  ): Promise<string[]> {
    const group = parseResourceGroupId(groupId);
    if (!group) return [];
    const { subscriptionId, resourceGroup } = group;
    const refused: string[] = [];
    const start = async (kind: 'vms' | 'disks' | 'nics', resource: string) => {
      const refusal = await this.deletions.start(subscriptionId, resourceGroup, kind, resource);
      if (refusal) refused.push(refusal);
    };
    // A fresh listing: a deletion must not miss what a concurrent ensure just made.
    this.view.forget(subscriptionId, resourceGroup);
    const resources = await this.view.get(subscriptionId, resourceGroup);
    const vm = resources.vms.get(vmName(name).toLowerCase());
    if (vm && !isDeleting(vm)) await start('vms', vm.name!);
    if (connection) await this.registration.removeByName(connection);
    else {
      // Never reported ready: the VM's tag names its pool, and the pool is looked at for the VM.
      const poolId = vm?.tags?.[hostPoolTag];
      if (poolId) await this.registration.remove(poolId, vm.id ?? vmIdIn(groupId, name));
    }
    for (const disk of resourcesOfDevice(resources, 'disks', name)) {
      // Attached to the VM: it goes with it.
      if (isDeleting(disk) || disk.managedBy) continue;
      await start('disks', disk.name!);
    }
    const nic = resources.nics.get(nicName(name).toLowerCase());
    if (nic && !isDeleting(nic) && !nic.virtualMachine) await start('nics', nic.name!);
    return refused;
  }
}
