/**
 * A VM's agent registering with a host pool (the end of a successful registration run command):
 * the session host is named by the VM's computer name (rule avd.registration.name) and points at
 * the VM; registering a name the pool already holds updates that host (the agent re-registered).
 */
import { randomUUID } from 'node:crypto';
import type { AvdStore, HostPoolRecord } from './avdStore';
import type { ArmStore, VmRecord } from './store';
import { computerNameOf, type VmFacts } from './vmFacts';

export function registerSessionHost(
  store: ArmStore,
  avd: AvdStore,
  pool: HostPoolRecord,
  vm: VmRecord,
  facts: VmFacts,
  at: number,
): void {
  const name = computerNameOf(store, vm);
  const hosts = avd.hostsOf(pool.id);
  const existing = hosts.get(name.toLowerCase());
  if (existing) {
    existing.vmId = vm.id;
    existing.status = 'Available';
    existing.registered = true;
    existing.updatedAt = at;
  } else {
    hosts.set(name.toLowerCase(), {
      hostPoolKey: pool.id.toLowerCase(),
      name,
      vmId: vm.id,
      virtualMachineId: facts.vmGuid ?? randomUUID(),
      objectId: randomUUID(),
      assignedUser: undefined,
      status: 'Available',
      sessions: 0,
      registered: true,
      updatedAt: at,
    });
  }
  avd.stats.sessionHostsRegistered += 1;
}
