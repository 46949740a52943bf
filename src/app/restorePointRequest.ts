/** The message that asks a worker to take (or keep taking) one restore point of one device. */
import type { Device } from '../domain/device';
import type { RestorePointKind } from '../domain/restorePoint';

export interface RestorePointRequest {
  tenantId: string;
  deviceId: string;
  /** The slot's start (scheduled) or the request time (manual): fixes the point's name. */
  takenAt: string;
  kind: RestorePointKind;
  /** 1 for the first try; each retry after a failure adds one. */
  attempt: number;
  /** How many times this attempt has come back to check on a running copy. */
  check: number;
  /** The device as the scheduler read it; used as is while its version still matches. */
  device?: Device;
}

/**
 * Deterministic: a duplicated or re-sent message for the same slot and step has the same id, which
 * Service Bus duplicate detection drops; a retry or a check gets a new id, so it is not dropped.
 */
export function restorePointMessageId(request: RestorePointRequest): string {
  return `rp:${request.tenantId}:${request.deviceId}:${Date.parse(request.takenAt)}:${request.attempt}:${request.check}`;
}
