/**
 * What a VM's model and instance view say about its creation: still going, failed (with Compute's
 * code), or provisioned; and whether its guest agent reports ready. The VM is usable when its agent
 * is ready, not when its PUT succeeds: `provisioningState: Succeeded` means the platform finished,
 * the guest may still be booting (learn.microsoft.com/azure/virtual-machines/states-billing,
 * "Provisioning states"; learn.microsoft.com/azure/virtual-machines/extensions/agent-windows,
 * "the VM agent status … Ready").
 */
import type { InstanceViewStatus, VirtualMachine, VirtualMachineInstanceView } from '@azure/arm-compute';

export type VmProgress =
  | { phase: 'creating' }
  | { phase: 'deleting' }
  | { phase: 'failed'; code: string | undefined; message: string }
  | { phase: 'provisioned' };

const failedPrefix = 'provisioningstate/failed/';

/**
 * The VM's phase from its `provisioningState`; a failed one's code and message from its instance
 * view's provisioning status (`ProvisioningState/failed/AllocationFailed`), when one was read.
 */
export function vmProgress(vm: VirtualMachine, instanceView?: VirtualMachineInstanceView): VmProgress {
  const state = (vm.provisioningState ?? '').toLowerCase();
  if (state === 'succeeded') return { phase: 'provisioned' };
  if (state === 'deleting') return { phase: 'deleting' };
  if (state === 'failed') {
    const status = failedStatus(instanceView?.statuses ?? vm.instanceView?.statuses);
    return {
      phase: 'failed',
      code: status?.code?.slice(failedPrefix.length) || undefined,
      message: status?.message ?? status?.displayStatus ?? 'the VM failed to provision',
    };
  }
  // Creating, Updating, Migrating…: the platform is still at it.
  return { phase: 'creating' };
}

function failedStatus(statuses: readonly InstanceViewStatus[] | undefined): InstanceViewStatus | undefined {
  return statuses?.find((s) => s.code?.toLowerCase().startsWith(failedPrefix));
}

/** Whether the guest agent reports `Ready` in the instance view. */
export function agentReady(instanceView: VirtualMachineInstanceView | undefined): boolean {
  return (instanceView?.vmAgent?.statuses ?? []).some(
    (s) =>
      s.code?.toLowerCase() === 'provisioningstate/succeeded' && s.displayStatus?.toLowerCase() === 'ready',
  );
}
