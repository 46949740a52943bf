/**
 * The temporary devices a resource group's listing shows, for the sweeper and for reads: a device
 * is whatever of VM, disk and NIC carries its tag, so a half-made one (a disk alone, after a crash)
 * is listed too and can be removed. Read from the listing alone: a VM is ready once the listing's
 * instance view reports its agent ready; the DR registration is not looked at here.
 */
import type { VirtualMachine } from '@azure/arm-compute';
import type { TemporaryDevice, TemporaryDeviceState } from '../../../ports/ComputeProvider';
import { resourcesOfDevice } from './deviceIndex';
import type { GroupResources } from './ResourceGroupView';
import { deviceOf } from './temporaryDeviceResources';
import { agentReady, vmProgress } from './vmState';

type Tagged = { location?: string; tags?: Record<string, string> };

/** Every device of the listing in `region`, by name in lower case. */
export function listedDevices(
  resources: GroupResources,
  region: string,
  scope: string,
  now: Date,
): Map<string, TemporaryDevice> {
  const devices = new Map<string, TemporaryDevice>();
  const add = (resource: Tagged, status: TemporaryDeviceState) => {
    const device = deviceIn(resource, status, region, scope);
    // The first resource of a device decides its status: a VM's before a disk's or NIC's.
    if (device && !devices.has(device.name.toLowerCase())) devices.set(device.name.toLowerCase(), device);
  };
  for (const vm of resources.vms.values()) add(vm, listedStatus(vm, scope, now));
  const partial: TemporaryDeviceState = { state: 'provisioning', scope };
  for (const disk of resources.disks.values()) add(disk, partial);
  for (const nic of resources.nics.values()) add(nic, partial);
  return devices;
}

/** One device of the listing, as `listedDevices` shows it, from the listing's index by device. */
export function listedDevice(
  resources: GroupResources,
  name: string,
  region: string,
  scope: string,
  now: Date,
): TemporaryDevice | undefined {
  for (const vm of resourcesOfDevice(resources, 'vms', name)) {
    const device = deviceIn(vm, listedStatus(vm, scope, now), region, scope);
    if (device) return device;
  }
  const partial: TemporaryDeviceState = { state: 'provisioning', scope };
  for (const resource of [
    ...resourcesOfDevice(resources, 'disks', name),
    ...resourcesOfDevice(resources, 'nics', name),
  ]) {
    const device = deviceIn(resource, partial, region, scope);
    if (device) return device;
  }
  return undefined;
}

/** The device `resource` is part of, if it is one and in `region`. */
function deviceIn(
  resource: Tagged,
  status: TemporaryDeviceState,
  region: string,
  scope: string,
): TemporaryDevice | undefined {
  const device = deviceOf(resource.tags);
  if (!device || resource.location?.toLowerCase() !== region.toLowerCase()) return undefined;
  return { name: device.name, region, tags: device.tags, status, scope };
}

function listedStatus(vm: VirtualMachine, scope: string, now: Date): TemporaryDeviceState {
  const progress = vmProgress(vm, vm.instanceView);
  if (progress.phase === 'failed')
    return {
      state: 'failed',
      reason: `VM ${vm.name} failed to provision: ${progress.code ?? 'unknown'}: ${progress.message}`,
    };
  if (progress.phase === 'provisioned' && agentReady(vm.instanceView))
    return { state: 'ready', createdAt: (vm.timeCreated ?? now).toISOString(), scope };
  return { state: 'provisioning', scope };
}
