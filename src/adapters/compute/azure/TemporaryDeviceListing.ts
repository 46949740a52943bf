/**
 * The temporary devices of a region, read from the listings of its backup resource groups (the
 * tenants' groups, from the provider's dependencies): one device for a read, all of them for the
 * sweeper, half-made ones included (`listedDevices`).
 */
import { parseResourceGroupId } from '../../../domain/armId';
import type { Clock } from '../../../ports/Clock';
import type { TemporaryDevice } from '../../../ports/ComputeProvider';
import { listedDevice, listedDevices } from './listedDevices';
import type { ResourceGroupView } from './ResourceGroupView';

export class TemporaryDeviceListing {
  constructor(
    private readonly view: ResourceGroupView,
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
      if (device) return device;
    }
    return undefined;
  }

  /** Every device, from fresh listings: the sweeper must see what a concurrent ensure just made. */
  async *list(region: string): AsyncIterable<TemporaryDevice> {
    for (const scope of await this.resourceGroups(region)) {
      const group = parseResourceGroupId(scope);
      if (!group) continue;
      this.view.forget(group.subscriptionId, group.resourceGroup);
      const resources = await this.view.get(group.subscriptionId, group.resourceGroup);
      yield* listedDevices(resources, region, scope, this.clock.now()).values();
    }
  }
}
