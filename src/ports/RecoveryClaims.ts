import type { DeviceRecovery } from '../domain/device';

/** Which activation holds each device: the one arbiter between activations racing for a device. */
export interface RecoveryClaims {
  /**
   * Gives the device to the activation unless another activation holds it; true when it is (now or
   * already) this activation's.
   */
  claimForRecovery(tenantId: string, deviceId: string, recovery: DeviceRecovery): Promise<boolean>;
  /** `claimForRecovery` of many devices of one tenant, in few requests; the ids claimed. */
  claimAllForRecovery(
    tenantId: string,
    claims: readonly { deviceId: string; recovery: DeviceRecovery }[],
  ): Promise<Set<string>>;
  /** Updates the activation's hold on the device, or ends it (null); false when it does not hold it. */
  setRecovery(
    tenantId: string,
    deviceId: string,
    activationId: string,
    recovery: DeviceRecovery | null,
  ): Promise<boolean>;
}
