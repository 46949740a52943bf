/** What DR events act on, named by the API path a reader would fetch it from. */

export function activationTarget(tenantId: string, activationId: string): string {
  return `tenants/${tenantId}/activations/${activationId}`;
}

export function taskTarget(task: { tenantId: string; activationId: string; deviceId: string }): string {
  return `${activationTarget(task.tenantId, task.activationId)}/devices/${task.deviceId}`;
}

export function deviceTarget(tenantId: string, deviceId: string): string {
  return `tenants/${tenantId}/devices/${deviceId}`;
}
