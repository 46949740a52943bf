/**
 * A resource group's listing indexed by device: the names of each device's VMs, disks and NICs,
 * built once per listing. Without it, every ensure of a device with no VM yet (and every read or
 * deletion of one device) scanned all the group's disks for the device's tag: a wave of n devices
 * in one group cost n² tag reads per listing. With it, one device's resources are a lookup.
 *
 * The index holds names, not resources: a resource written through later (`Deleting`, a newer
 * body) replaces its entry in the listing's map under the same name, and the lookup reads it there.
 */
import type { Disk, VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import { deviceOf } from './temporaryDeviceResources';

export interface GroupResources {
  vms: Map<string, VirtualMachine>;
  disks: Map<string, Disk>;
  nics: Map<string, NetworkInterface>;
  /** Whether the VMs carry their instance view. */
  withInstanceView: boolean;
  /** The three maps' names by device (read it with `resourcesOfDevice`). */
  byDevice: DeviceIndex;
}

export type ResourceKind = 'vms' | 'disks' | 'nics';

/** By device name in lower case: each kind's resource names in lower case, in listing order. */
export type DeviceIndex = Map<string, Record<ResourceKind, Set<string>>>;

/** Records that `resource` (by its device tag) is one of its device's resources of `kind`. */
export function addToDeviceIndex(
  index: DeviceIndex,
  kind: ResourceKind,
  resource: { name?: string; tags?: Record<string, string> },
): void {
  const device = deviceOf(resource.tags)?.name.toLowerCase();
  if (!device || !resource.name) return;
  let names = index.get(device);
  if (!names) {
    names = { vms: new Set(), disks: new Set(), nics: new Set() };
    index.set(device, names);
  }
  names[kind].add(resource.name.toLowerCase());
}

/** The index of a listing's three maps, in their order. */
export function indexByDevice(listing: Pick<GroupResources, ResourceKind>): DeviceIndex {
  const index: DeviceIndex = new Map();
  for (const kind of ['vms', 'disks', 'nics'] as const)
    for (const resource of listing[kind].values()) addToDeviceIndex(index, kind, resource);
  return index;
}

/**
 * The device's resources of `kind` in the listing, in listing order. Each is checked against its
 * current tag, so the answer is what a scan of the whole map for the tag would give.
 */
export function resourcesOfDevice<K extends ResourceKind>(
  resources: GroupResources,
  kind: K,
  device: string,
): ResourceOf<K>[] {
  const key = device.toLowerCase();
  const map = resources[kind] as Map<string, ResourceOf<K>>;
  const out: ResourceOf<K>[] = [];
  for (const name of resources.byDevice.get(key)?.[kind] ?? []) {
    const resource = map.get(name);
    if (resource && deviceOf(resource.tags)?.name.toLowerCase() === key) out.push(resource);
  }
  return out;
}

/** A listed resource of `kind`. */
export type ResourceOf<K extends ResourceKind> = {
  vms: VirtualMachine;
  disks: Disk;
  nics: NetworkInterface;
}[K];
