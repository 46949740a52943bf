/**
 * What an ARM error code from a VM creation means for the next step. The codes are Compute's
 * (learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/allocation-failure,
 * "Troubleshoot allocation failures"; learn.microsoft.com/azure/azure-resource-manager/troubleshooting/
 * error-sku-not-available; learn.microsoft.com/azure/azure-resource-manager/troubleshooting/
 * error-resource-quota): they reach the provider either as the PUT's own answer (validation:
 * quota, SKU) or as the failed VM's provisioning status (allocation, after the PUT was accepted).
 */
import { armCodeOf, armMessageOf, armStatusOf } from '../../arm/armErrors';

export type CreationFailure =
  /** No capacity for this size here: try the next size (`AllocationFailed`, `OverconstrainedAllocationRequest`). */
  | { kind: 'size-capacity'; code: string; message: string }
  /** No capacity in this zone: try another zone (`ZonalAllocationFailed`). */
  | { kind: 'zone-capacity'; code: string; message: string }
  /** The size is not offered to the subscription here: try the next size (`SkuNotAvailable`). */
  | { kind: 'sku-not-available'; code: string; message: string }
  /** A cores quota would be exceeded: wait until it is raised (`OperationNotAllowed`, quota message). */
  | { kind: 'quota'; code: string; message: string; quota: string }
  /** Anything else: the device fails with ARM's code and message. */
  | { kind: 'other'; code: string; message: string };

const quotaMessage = /exceed(?:ing|s)? (?:the )?approved (.+?) quota/i;

export function classifyCreationFailure(code: string | undefined, message: string): CreationFailure {
  const c = code ?? 'Unknown';
  switch (c.toLowerCase()) {
    case 'allocationfailed':
    case 'overconstrainedallocationrequest':
      return { kind: 'size-capacity', code: c, message };
    case 'zonalallocationfailed':
      return { kind: 'zone-capacity', code: c, message };
    case 'skunotavailable':
      return { kind: 'sku-not-available', code: c, message };
    case 'operationnotallowed': {
      // "Operation could not be completed as it results in exceeding approved standardDSv5Family
      // Cores quota": the cores quota, per family or regional (error-resource-quota).
      const quota = quotaMessage.exec(message)?.[1];
      if (quota || /quota/i.test(message))
        return { kind: 'quota', code: c, message, quota: quota ? `${quota} quota` : 'cores quota' };
      return { kind: 'other', code: c, message };
    }
    default:
      return { kind: 'other', code: c, message };
  }
}

/** The failure an ARM call threw, classified. */
export function classifyArmError(err: unknown): CreationFailure {
  return classifyCreationFailure(armCodeOf(err), armMessageOf(err));
}

/** `Code: message`, the form a device's failure reason keeps ARM's words in. */
export function describeFailure(failure: { code: string; message: string }): string {
  return `${failure.code}: ${failure.message}`;
}

/**
 * Another operation on the resource is in progress (`Conflict`, `AnotherOperationInProgress`):
 * a concurrent ensure of the same device, in this process or another, is making it.
 */
export function isOperationInProgress(err: unknown): boolean {
  const code = armCodeOf(err)?.toLowerCase();
  return armStatusOf(err) === 409 && (code === 'conflict' || code === 'anotheroperationinprogress');
}
