/**
 * A call's place in the pacer's line. Calls waiting for a bucket go highest priority first, in
 * arrival order within a priority; a call that can go at once goes whatever its priority. The
 * caller marks a call with a request header that the pacer reads and removes before the request
 * leaves the process (ARM never sees it), so any SDK client that takes per-call headers can use
 * it: `client.virtualMachines.createOrUpdate(rg, name, body, withArmPriority(ArmPriority.recoveryVm))`.
 */

/** The header the pacer reads a call's priority from, and strips. */
export const armPriorityHeader = 'x-clouddr-arm-priority';

/**
 * The priorities the product uses; unmarked calls are `normal`. Work further along goes first: a
 * recovered device's VM PUT before its NIC's, its NIC's before its disk's, so devices become ready
 * one after another instead of all at the end of an activation.
 */
export const ArmPriority = {
  normal: 0,
  recoveryDisk: 1,
  recoveryNic: 2,
  recoveryVm: 3,
} as const;

/** Operation options (the `@azure-rest/core-client` shape of `@azure/arm-compute` and `@azure/arm-network`). */
export interface PriorityOptions {
  requestOptions?: { headers?: Record<string, string | number | boolean> };
}

/** `options` with the call marked `priority` (an integer; higher goes first), headers already there kept. */
export function withArmPriority<T extends object = object>(
  priority: number,
  options?: T & PriorityOptions,
): T & PriorityOptions {
  if (!Number.isInteger(priority))
    throw new RangeError(`An ARM call's priority is an integer, got ${priority}`);
  const base: PriorityOptions = options ?? {};
  return {
    ...(options ?? ({} as T)),
    requestOptions: {
      ...base.requestOptions,
      headers: { ...base.requestOptions?.headers, [armPriorityHeader]: String(priority) },
    },
  };
}

/** The priority a header value names: `normal` when absent or not an integer. */
export function priorityOf(value: string | undefined): number {
  if (value === undefined) return ArmPriority.normal;
  const parsed = Number(value.trim());
  return value.trim() !== '' && Number.isInteger(parsed) ? parsed : ArmPriority.normal;
}
