/**
 * What the AVD part of the double needs to know about a VM, read from the compute store: whether
 * it exists, when its agent is ready (a run command waits for it: rule runCommand.waitsForAgent),
 * and its computer name (rule avd.registration.name). Seeded VMs are running with a ready agent.
 */
import type { ArmStore, VmRecord } from './store';
import { idKey } from './resourceIds';

export interface VmFacts {
  id: string;
  location: string;
  /** Simulated ms from which its agent is Ready; undefined while it is not provisioned (or failed). */
  agentReadyAt: number | undefined;
  /** A stable GUID of the VM (`virtualMachineId` of its session host). */
  vmGuid: string | undefined;
}

export function liveVm(store: ArmStore, vmId: string): VmRecord | undefined {
  const vm = store.vms.get(idKey(vmId));
  return vm && !vm.made?.deleted ? vm : undefined;
}

export function vmFacts(store: ArmStore, vmId: string): VmFacts | undefined {
  const vm = liveVm(store, vmId);
  if (!vm) return undefined;
  const made = vm.made;
  if (!made) return { id: vm.id, location: vm.location, agentReadyAt: -Infinity, vmGuid: undefined };
  const provisioned = made.failure === undefined && Number.isFinite(made.readyAt);
  return {
    id: vm.id,
    location: vm.location,
    agentReadyAt: provisioned ? Math.max(made.readyAt, made.agentReadyAt) : undefined,
    vmGuid: made.vmId,
  };
}

/**
 * The computer name Windows on the VM's OS disk has: a seeded VM's `computerName` (default its
 * name); for a disk made from a snapshot, that of the VM whose disk the snapshot chain started from.
 */
export function computerNameOf(store: ArmStore, vm: VmRecord): string {
  let disk = store.disk(vm.osDiskId);
  for (let hops = 0; disk && hops < 8; hops += 1) {
    const seededVm = disk.seed.vm;
    if (!disk.made && seededVm) return seededVm.computerName ?? seededVm.name;
    const source = disk.made?.sourceResourceId;
    if (!source) break;
    const snapshot =
      store.snapshot(source) ?? store.deletedSnapshots.find((s) => idKey(s.id) === idKey(source));
    if (!snapshot) break;
    const next = store.disks.get(snapshot.diskKey);
    if (!next || next === disk) break;
    disk = next;
  }
  return vm.name;
}
