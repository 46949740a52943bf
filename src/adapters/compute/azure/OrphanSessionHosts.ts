/**
 * The sweeper's safety net for DR session host records: a record whose VM was one of this
 * provider's temporary devices and is gone. Deactivation removes each device's record after
 * deleting its VM, but a record can still outlive it: a removal that failed and was given up, a
 * lookup that missed the host, or an agent that registered while its VM was being deleted. A
 * session host is a record of the pool, not part of the VM: deleting the VM leaves it (reported
 * unavailable; the ARM double's rule avd.sessionHost.unavailable, assumed: no Microsoft page found
 * saying so outright), and only deleting the record removes it ("Remove-AzWvdSessionHost: Remove a
 * SessionHost", learn.microsoft.com/powershell/module/az.desktopvirtualization/remove-azwvdsessionhost).
 *
 * Only records whose VM id lies in one of the given resource groups (the tenant's backup groups)
 * and carries a temporary device's name are candidates; each is removed only when the group's
 * fresh listing shows no such device and a GET of the VM answers 404, so a pool's other hosts (the
 * customer's own, or another tenant's devices) are never touched.
 */
import { isArmNotFound } from '../../arm/armErrors';
import type { ComputeClients } from '../../arm/createComputeClient';
import type { HostPools, SessionHostInfo } from '../../../ports/HostPools';
import type { ResourceGroupView } from './ResourceGroupView';
import { isTemporaryDeviceVmName } from './temporaryDeviceResources';

const VM_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;

export class OrphanSessionHosts {
  constructor(
    private readonly compute: ComputeClients,
    private readonly view: ResourceGroupView,
    private readonly hostPools: HostPools,
  ) {}

  /** Removes the pool's records of gone temporary devices in `resourceGroups`; returns their names. */
  async remove(hostPoolId: string, resourceGroups: readonly string[]): Promise<string[]> {
    const groups = new Set(resourceGroups.map((g) => g.toLowerCase()));
    // Read whole before removing any: a removal shifts the pages of a walk still under way.
    const hosts: SessionHostInfo[] = [];
    for await (const host of this.hostPools.listSessionHosts(hostPoolId)) hosts.push(host);
    const removed: string[] = [];
    const listed = new Map<string, Promise<Set<string>>>();
    for (const host of hosts) {
      const vm = VM_ID.exec(host.vmId ?? '');
      if (!vm) continue;
      const [, subscriptionId, resourceGroup, name] = vm as unknown as [string, string, string, string];
      const group = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`.toLowerCase();
      if (!groups.has(group) || !isTemporaryDeviceVmName(name)) continue;
      if (!listed.has(group)) listed.set(group, this.vmsIn(subscriptionId, resourceGroup));
      if ((await listed.get(group)!).has(name.toLowerCase())) continue;
      if (await this.vmExists(subscriptionId, resourceGroup, name)) continue;
      await this.hostPools.removeSessionHost(hostPoolId, host.name);
      removed.push(host.name);
    }
    return removed;
  }

  /** The temporary devices' VMs of the group, from a fresh listing. */
  private async vmsIn(subscriptionId: string, resourceGroup: string): Promise<Set<string>> {
    this.view.forget(subscriptionId, resourceGroup);
    const resources = await this.view.get(subscriptionId, resourceGroup);
    return new Set(resources.vms.keys());
  }

  /** Whether any VM of that name exists (one GET, for the few records the listing did not explain). */
  private async vmExists(subscriptionId: string, resourceGroup: string, name: string): Promise<boolean> {
    try {
      await this.compute.for(subscriptionId).virtualMachines.get(resourceGroup, name);
      return true;
    } catch (err) {
      if (isArmNotFound(err)) return false;
      throw err;
    }
  }
}
