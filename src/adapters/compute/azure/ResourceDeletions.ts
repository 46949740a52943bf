/**
 * Starts the deletion of one of a device's VMs, disks or NICs, without waiting for it: a handler
 * never waits for Azure, and the listing shows the resource `Deleting` until it is gone. A resource
 * already missing is done; one Azure refuses to delete for now (409 or 400: a disk still being
 * copied, a NIC still attached) is reported back, so the caller decides whether that is a retry.
 */
import { armStatusOf, isArmNotFound } from '../../arm/armErrors';
import type { ComputeClients } from '../../arm/createComputeClient';
import { classifyArmError, describeFailure } from './computeErrors';
import type { NetworkClients } from './networkClients';
import type { ResourceGroupView, ResourceKind } from './ResourceGroupView';

export class ResourceDeletions {
  constructor(
    private readonly compute: ComputeClients,
    private readonly network: NetworkClients,
    private readonly view: ResourceGroupView,
  ) {}

  /** Starts the deletion; undefined when started or nothing was there, else why Azure refused (`name: Code: message`). */
  async start(
    subscriptionId: string,
    resourceGroup: string,
    kind: ResourceKind,
    name: string,
  ): Promise<string | undefined> {
    try {
      const poller =
        kind === 'vms'
          ? this.compute.for(subscriptionId).virtualMachines.delete(resourceGroup, name)
          : kind === 'disks'
            ? this.compute.for(subscriptionId).disks.delete(resourceGroup, name)
            : this.network.for(subscriptionId).networkInterfaces.delete(resourceGroup, name);
      await poller.submitted();
      // Written through: this process's next step must not act on it as if it were still there.
      await this.view.markDeleting(subscriptionId, resourceGroup, kind, name);
      return undefined;
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      const status = armStatusOf(err);
      if (status === 409 || status === 400) return `${name}: ${describeFailure(classifyArmError(err))}`;
      throw err;
    }
  }
}

/** Whether a listed resource's deletion was already started (by anyone). */
export function isDeleting(resource: { provisioningState?: string }): boolean {
  return resource.provisioningState?.toLowerCase() === 'deleting';
}
