/**
 * The temporary devices' VMs, disks and NICs of one resource group, read by listing the group
 * (three paged GETs) and shared by every device of the group in the process for a short while.
 *
 * Why lists: Compute meters GETs of one VM per VM ("Low Cost Get VM", 12 per minute refill) and
 * lists per subscription ("High Cost Get VM", 300 per minute) (learn.microsoft.com/azure/
 * virtual-machines/compute-throttling-limits), and ARM's read bucket counts a page of 1,000 VMs as
 * one call: a wave of devices checked one GET each would spend the read bucket, one list per group
 * per few seconds does not.
 *
 * The VM list asks for `$expand=instanceView` (the run-time status, with the guest agent's), which
 * the reference documents for lists "only if a valid $filter option is specified"
 * (learn.microsoft.com/rest/api/compute/virtual-machines/list). A service that refuses it (400) is
 * asked once without it and never again in this process; VMs listed without an instance view are
 * then read one by one, only when their status is needed (`needsInstanceView`).
 *
 * What this process writes is written through (`upsert`, `markDeleting`), so its own next step
 * does not act on a listing older than its last write. Each listing is indexed by device once
 * (`deviceIndex`), so finding one device's resources is a lookup, not a scan of the group.
 */
import type { VirtualMachine } from '@azure/arm-compute';
import type { Clock } from '../../../ports/Clock';
import { armStatusOf } from '../../arm/armErrors';
import type { ComputeClients } from '../../arm/createComputeClient';
import type { NetworkClients } from './networkClients';
import {
  addToDeviceIndex,
  indexByDevice,
  type GroupResources,
  type ResourceKind,
  type ResourceOf,
} from './deviceIndex';
import { SharedReads } from './sharedReads';
import { deviceOf } from './temporaryDeviceResources';

// The listing's shape lives beside its index, which reads it (one module, no import cycle).
export type { GroupResources, ResourceKind } from './deviceIndex';

const key = (subscriptionId: string, resourceGroup: string) =>
  `${subscriptionId.toLowerCase()}/${resourceGroup.toLowerCase()}`;

export class ResourceGroupView {
  private readonly reads: SharedReads<GroupResources>;
  /** Subscriptions whose VM lists refused `$expand=instanceView`. */
  private readonly noListExpand = new Set<string>();

  constructor(
    private readonly compute: ComputeClients,
    private readonly network: NetworkClients,
    clock: Clock,
    ttlInMs: number,
  ) {
    this.reads = new SharedReads(clock, ttlInMs);
  }

  async get(subscriptionId: string, resourceGroup: string): Promise<GroupResources> {
    return await this.reads.get(key(subscriptionId, resourceGroup), () =>
      this.list(subscriptionId, resourceGroup),
    );
  }

  /** Records what this process just wrote (or read fresher), if the group's listing is held. */
  async upsert<K extends ResourceKind>(
    subscriptionId: string,
    resourceGroup: string,
    kind: K,
    resource: ResourceOf<K>,
  ): Promise<void> {
    const held = await this.reads.peek(key(subscriptionId, resourceGroup));
    const name = (resource as { name?: string }).name;
    if (!held || !name) return;
    (held[kind] as Map<string, unknown>).set(name.toLowerCase(), resource);
    addToDeviceIndex(held.byDevice, kind, resource);
  }

  /** Records a deletion this process started: the resource shows `Deleting` until the next listing. */
  async markDeleting(
    subscriptionId: string,
    resourceGroup: string,
    kind: ResourceKind,
    name: string,
  ): Promise<void> {
    const held = await this.reads.peek(key(subscriptionId, resourceGroup));
    const resource = held?.[kind].get(name.toLowerCase());
    if (held && resource)
      (held[kind] as Map<string, unknown>).set(name.toLowerCase(), {
        ...resource,
        provisioningState: 'Deleting',
      });
  }

  /** Drops the group's listing: the next read lists again. */
  forget(subscriptionId: string, resourceGroup: string): void {
    this.reads.forget(key(subscriptionId, resourceGroup));
  }

  private async list(subscriptionId: string, resourceGroup: string): Promise<GroupResources> {
    const [vmListing, disks, nics] = await Promise.all([
      this.listVms(subscriptionId, resourceGroup),
      this.collect(this.compute.for(subscriptionId).disks.listByResourceGroup(resourceGroup)),
      this.collect(this.network.for(subscriptionId).networkInterfaces.list(resourceGroup)),
    ]);
    const listing = { vms: vmListing.vms, disks, nics };
    return { ...listing, withInstanceView: vmListing.withInstanceView, byDevice: indexByDevice(listing) };
  }

  private async listVms(
    subscriptionId: string,
    resourceGroup: string,
  ): Promise<{ vms: Map<string, VirtualMachine>; withInstanceView: boolean }> {
    const vms = this.compute.for(subscriptionId).virtualMachines;
    if (!this.noListExpand.has(subscriptionId.toLowerCase())) {
      try {
        const listed = await this.collect(vms.list(resourceGroup, { expand: 'instanceView' }));
        return { vms: listed, withInstanceView: true };
      } catch (err) {
        if (armStatusOf(err) !== 400) throw err;
        this.noListExpand.add(subscriptionId.toLowerCase());
      }
    }
    return { vms: await this.collect(vms.list(resourceGroup)), withInstanceView: false };
  }

  /** The temporary devices' resources of a listing, by name in lower case; a missing group lists nothing. */
  private async collect<R extends { name?: string; tags?: Record<string, string> }>(
    listing: AsyncIterable<R>,
  ): Promise<Map<string, R>> {
    const out = new Map<string, R>();
    try {
      for await (const resource of listing)
        if (resource.name && deviceOf(resource.tags)) out.set(resource.name.toLowerCase(), resource);
    } catch (err) {
      if (armStatusOf(err) === 404) return out;
      throw err;
    }
    return out;
  }
}
