/** Microsoft.Compute/disks (GET, list by resource group) and virtualMachines (GET): read-only here; `seedDisk` creates them. */
import { randomUUID } from 'node:crypto';
import { refuse, type ArmError } from './armError';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';
import { diskJson, vmJson } from './representations';
import { idKey, resourceId, type ResourceRef } from './resourceIds';
import type { SeedDisk } from './types';

export class DisksHandler {
  constructor(private readonly ctx: ArmContext) {}

  getDisk(ref: ResourceRef): HandlerResult {
    const disk = this.ctx.store.disk(resourceId(ref));
    if (!disk) throw this.notFound(ref);
    return { status: 200, body: diskJson(disk) };
  }

  listDisks(subscriptionId: string, resourceGroup: string): HandlerResult {
    const value = this.ctx.store.disksIn(subscriptionId, resourceGroup).map((d) => diskJson(d));
    return { status: 200, body: { value } };
  }

  getVm(ref: ResourceRef): HandlerResult {
    const vm = this.ctx.store.vms.get(idKey(resourceId(ref)));
    if (!vm) throw this.notFound(ref);
    return { status: 200, body: vmJson(vm, this.ctx.store.disk(vm.osDiskId)) };
  }

  /** Creates the disk (and the VM it is the OS disk of) directly, as a test fixture. */
  seed(seed: SeedDisk): string {
    const id = resourceId({
      subscriptionId: seed.subscriptionId,
      resourceGroup: seed.resourceGroup,
      type: 'disks',
      name: seed.name,
    });
    if (this.ctx.store.disk(id)) throw new RangeError(`Disk ${id} is already seeded`);
    if (!(seed.sizeGB > 0)) throw new RangeError(`sizeGB must be positive, got ${seed.sizeGB}`);
    const vmId = seed.vm
      ? resourceId({
          subscriptionId: seed.subscriptionId,
          resourceGroup: seed.resourceGroup,
          type: 'virtualMachines',
          name: seed.vm.name,
        })
      : undefined;
    this.ctx.store.disks.set(idKey(id), {
      id,
      seed: { ...seed },
      uniqueId: randomUUID(),
      timeCreated: this.ctx.clock.now(),
      managedBy: vmId,
      changedGiB: 0,
      chainDeltas: [0],
    });
    if (seed.vm && vmId) {
      this.ctx.store.vms.set(idKey(vmId), {
        id: vmId,
        name: seed.vm.name,
        subscriptionId: seed.subscriptionId,
        resourceGroup: seed.resourceGroup,
        location: seed.location,
        size: seed.vm.size,
        zone: seed.vm.zone ?? seed.zone,
        osDiskId: id,
        osDiskName: seed.name,
        osType: seed.osType,
      });
    }
    return id;
  }

  private notFound(ref: ResourceRef): ArmError {
    this.ctx.stats.refusal('arm.notFound');
    return refuse(
      'arm.notFound',
      `The Resource 'Microsoft.Compute/${ref.type}/${ref.name}' under resource group '${ref.resourceGroup}' was not found.`,
    );
  }
}
