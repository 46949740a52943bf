/**
 * Where temporary Cloud PCs come from: Azure compute in production, a simulation here. Every
 * operation is idempotent by the device's name, so retries, duplicates and two control-plane
 * regions racing converge on one temporary device.
 */

export interface TemporaryDeviceRequest {
  /** Deterministic per recovery task (`temporaryDeviceName`). */
  name: string;
  /** The backup region it is created in. */
  region: string;
  /** A read-only URL of the restore point's disk in that region's storage: the new disk is a copy. */
  sourceUrl: string;
  /** Ties the device to its task: the sweeper removes devices whose task says they should not exist. */
  tags: TemporaryDeviceTags;
}

export interface TemporaryDeviceTags {
  tenantId: string;
  activationId: string;
  deviceId: string;
}

export type TemporaryDeviceState =
  /** Creation started and not finished: check again later. */
  | { state: 'provisioning' }
  | { state: 'ready'; createdAt: string }
  /** The creation failed (not for capacity): ensuring it again starts over. */
  | { state: 'failed'; reason: string };

export interface TemporaryDevice {
  name: string;
  region: string;
  tags: TemporaryDeviceTags;
  status: TemporaryDeviceState;
}

/**
 * Thrown when the region has no capacity or the subscription no quota for another device: the
 * caller waits and retries; nothing is lost.
 */
export class CapacityUnavailableError extends Error {
  constructor(
    readonly kind: 'no-capacity' | 'quota-exceeded',
    message: string,
  ) {
    super(message);
    this.name = 'CapacityUnavailableError';
  }
}

export interface ComputeProvider {
  /**
   * Starts creating the device if it does not exist, and returns its state; never waits for the
   * creation to finish. Throws `CapacityUnavailableError` when it cannot be started for capacity
   * or quota; other errors are failures of the attempt.
   */
  ensureTemporaryDevice(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState>;
  getTemporaryDevice(region: string, name: string): Promise<TemporaryDevice | undefined>;
  /** Deletes the device and its disk, even while it is still provisioning; a missing one is success. */
  deleteTemporaryDevice(region: string, name: string): Promise<void>;
  /** Every temporary device in the region, for the sweeper. */
  listTemporaryDevices(region: string): AsyncIterable<TemporaryDevice>;
}
