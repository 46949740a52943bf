/**
 * The primary region's virtual machines as discovery reads them: where a session host's VM runs
 * and which managed disk it boots from. Read-only; the recovered VMs are the compute provider's.
 */

export interface VirtualMachineFacts {
  /** The VM's ARM resource id, as ARM spells it. */
  id: string;
  /** Its region, lower-case without spaces (`westeurope`). */
  location: string;
  /** The ARM id of the managed OS disk it boots from; unset for a VM without one (an unmanaged VHD). */
  osDiskId?: string;
}

export interface VirtualMachineReader {
  /** Undefined when the VM does not exist; throws `UnavailableError` when ARM does not answer. */
  get(vmId: string): Promise<VirtualMachineFacts | undefined>;
}
