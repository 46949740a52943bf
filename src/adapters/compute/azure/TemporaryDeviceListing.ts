/**
 * The temporary devices of a region, read from the listings of its backup resource groups (the
 * tenants' groups, from the provider's dependencies): one device for a read, all of them for the
 * sweeper, half-made ones included (`listedDevices`). Read alone, a VM that names a DR host pool is
 * ready, as `ensureTemporaryDevice` reports it, only once the pool lists its session host with a
 * user assigned, and then with its connection (from the pool's shared listing).
 */
import { parseResourceGroupId } from '../../../domain/armId';
import type { Clock } from '../../../ports/Clock';
import type { TemporaryDevice } from '../../../ports/ComputeProvider';
import type { HostPools } from '../../../ports/HostPools';
import { hostPoolTag } from './deviceBodies';
import { resourcesOfDevice } from './deviceIndex';
import { listedDevice, listedDevices } from './listedDevices';
import type { GroupResources, ResourceGroupView } from './ResourceGroupView';

export class TemporaryDeviceListing {
  constructor(
    private readonly view: ResourceGroupView,
    private readonly hostPools: HostPools,
    private readonly clock: Clock,
    private readonly resourceGroups: (region: string) => Promise<readonly string[]>,
  ) {}

  /** One device, from the shared listings (as fresh as the listing's time to live). */
  async find(region: string, name: string): Promise<TemporaryDevice | undefined> {
    for (const scope of await this.resourceGroups(region)) {
      const group = parseResourceGroupId(scope);
      if (!group) continue;
      const resources = await this.view.get(group.subscriptionId, group.resourceGroup);
      const device = listedDevice(resources, name, region, scope, this.clock.now());
      if (device) return await this.withConnection(device, resources);
    }
    return undefined;
  }

  /**
   * Every device, from fresh listings: the sweeper must see what a concurrent ensure just made. A
   * ready VM's host pool is not read: the sweeper needs none, and must not fail with the pool.
   */
  async *list(region: string): AsyncIterable<TemporaryDevice> {
    for (const scope of await this.resourceGroups(region)) {
      const group = parseResourceGroupId(scope);
      if (!group) continue;
      this.view.forget(group.subscriptionId, group.resourceGroup);
      const resources = await this.view.get(group.subscriptionId, group.resourceGroup);
      yield* listedDevices(resources, region, scope, this.clock.now()).values();
    }
  }

  /** A ready VM of a DR host pool: where its user connects, or still provisioning until it can. */
  private async withConnection(device: TemporaryDevice, resources: GroupResources): Promise<TemporaryDevice> {
    if (device.status.state !== 'ready') return device;
    const [vm] = resourcesOfDevice(resources, 'vms', device.name);
    const hostPoolId = vm?.tags?.[hostPoolTag];
    if (!vm?.id || !hostPoolId) return device;
    const host = await this.hostPools.findSessionHostByVm(hostPoolId, vm.id);
    if (!host?.assignedUser) return { ...device, status: { state: 'provisioning', scope: device.scope } };
    return {
      ...device,
      status: { ...device.status, connection: { hostPoolId, sessionHost: host.name } },
    };
  }
}
