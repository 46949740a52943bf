/**
 * Reads a VM through the Compute client of its subscription (so the ARM pacer paces it): the one
 * GET that tells discovery a session host's region and OS disk.
 */
import type { VirtualMachine } from '@azure/arm-compute';
import { parseArmResourceId } from '../../domain/armId';
import { UnavailableError } from '../../domain/errors';
import type { VirtualMachineFacts, VirtualMachineReader } from '../../ports/VirtualMachineReader';
import { armMessageOf, armStatusOf, isArmNotFound } from './armErrors';
import { normaliseLocation } from './ArmDiskSource';
import type { ComputeClients } from './createComputeClient';

export class ArmVirtualMachineReader implements VirtualMachineReader {
  constructor(private readonly clients: ComputeClients) {}

  async get(vmId: string): Promise<VirtualMachineFacts | undefined> {
    const id = parseArmResourceId(vmId);
    if (!id || id.type.toLowerCase() !== 'microsoft.compute/virtualmachines')
      throw new TypeError(`"${vmId}" is not a virtual machine's ARM id`);
    let vm: VirtualMachine;
    try {
      vm = await this.clients.for(id.subscriptionId).virtualMachines.get(id.resourceGroup, id.name);
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      const status = armStatusOf(err);
      throw new UnavailableError(`ARM did not answer for VM ${id.name}: ${armMessageOf(err)}`, {
        dependency: 'arm',
        ...(status === 429 ? { worthRetryingNow: false } : {}),
        cause: err,
      });
    }
    const osDiskId = vm.storageProfile?.osDisk?.managedDisk?.id;
    return {
      id: vm.id ?? vmId,
      location: normaliseLocation(vm.location) ?? '',
      ...(osDiskId ? { osDiskId } : {}),
    };
  }
}
