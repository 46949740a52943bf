/**
 * The temporary devices a resource group's listing shows, for the sweeper and for reads: a device
 * is whatever of VM, disk and NIC carries its tag, so a half-made one (a disk alone, after a crash)
 * is listed too and can be removed. Read from the listing alone: a VM is ready once the listing's
 * instance view reports its agent ready; the DR registration is not looked at here.
 */
import type { VirtualMachine } from '@azure/arm-compute';
import type { TemporaryDevice, TemporaryDeviceState } from '../../../ports/ComputeProvider';
import type { GroupResources } from './ResourceGroupView';
import { deviceOf } from './temporaryDeviceResources';
import { agentReady, vmProgress } from './vmState';

export function listedDevices(
  resources: GroupResources,
  region: string,
  scope: string,
  now: Date,
): Map<string, TemporaryDevice> {
  const devices = new Map<string, TemporaryDevice>();
  const add = (
    resource: { location?: string; tags?: Record<string, string> },
    status: TemporaryDeviceState,
  ) => {
    const device = deviceOf(resource.tags);
    if (!device || resource.location?.toLowerCase() !== region.toLowerCase()) return;
    const key = device.name.toLowerCase();
    if (!devices.has(key)) devices.set(key, { name: device.name, region, tags: device.tags, status, scope });
  };
  for (const vm of resources.vms.values()) add(vm, listedStatus(vm, scope, now));
  const partial: TemporaryDeviceState = { state: 'provisioning', scope };
  for (const disk of resources.disks.values()) add(disk, partial);
  for (const nic of resources.nics.values()) add(nic, partial);
  return devices;
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
