/** Which activation holds each device, as a conditional patch of the device's `recovery`. */
import type { DeviceRecovery } from '../../domain/device';
import type { RecoveryClaims } from '../../ports/RecoveryClaims';
import { patchOperation, runBatch } from './cosmosBatch';
import { sqlString } from './deviceDocument';
import type { DevicePartition } from './DevicePartition';
import { statusOf } from './statusOf';

/** Cosmos DB's limit of operations in one transactional batch. */
const maxBatchOperations = 100;

export class CosmosRecoveryClaims implements RecoveryClaims {
  constructor(private readonly partition: DevicePartition) {}

  async claimForRecovery(tenantId: string, deviceId: string, recovery: DeviceRecovery): Promise<boolean> {
    return await this.patchRecovery(tenantId, deviceId, recovery, claimCondition(recovery));
  }

  /**
   * Claims go in transactional batches of up to 100 conditional patches (one request instead of
   * 100). A batch is all or nothing, so one device already held by another activation (or gone)
   * fails its batch: that batch's devices are then claimed each on its own, all at once, as
   * `claimForRecovery` does.
   */
  async claimAllForRecovery(
    tenantId: string,
    claims: readonly { deviceId: string; recovery: DeviceRecovery }[],
  ): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (let start = 0; start < claims.length; start += maxBatchOperations) {
      const chunk = claims.slice(start, start + maxBatchOperations);
      const outcome = await runBatch(
        this.partition.container,
        tenantId,
        chunk.map(({ deviceId, recovery }) =>
          patchOperation(
            deviceId,
            [{ op: 'set', path: '/recovery', value: recovery }],
            claimCondition(recovery),
          ),
        ),
      );
      if (outcome.ok) {
        for (const { deviceId } of chunk) claimed.add(deviceId);
        continue;
      }
      await Promise.all(
        chunk.map(async ({ deviceId, recovery }) => {
          if (await this.claimForRecovery(tenantId, deviceId, recovery)) claimed.add(deviceId);
        }),
      );
    }
    return claimed;
  }

  async setRecovery(
    tenantId: string,
    deviceId: string,
    activationId: string,
    recovery: DeviceRecovery | null,
  ): Promise<boolean> {
    return await this.patchRecovery(
      tenantId,
      deviceId,
      recovery,
      `from c where IS_DEFINED(c.recovery) AND NOT IS_NULL(c.recovery) AND c.recovery.activationId = ${sqlString(activationId)}`,
    );
  }

  /** A conditional patch of the device's recovery: 412 (condition false) and 404 are `false`. */
  private async patchRecovery(
    tenantId: string,
    deviceId: string,
    recovery: DeviceRecovery | null,
    condition: string,
  ): Promise<boolean> {
    try {
      await this.partition.container
        .item(deviceId, tenantId)
        .patch({ operations: [{ op: 'set', path: '/recovery', value: recovery }], condition });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 404) return false;
      throw err;
    }
  }
}

/** A device is free to claim when no activation holds it, or this one already does. */
function claimCondition(recovery: DeviceRecovery): string {
  return `from c where NOT IS_DEFINED(c.recovery) OR IS_NULL(c.recovery) OR c.recovery.activationId = ${sqlString(recovery.activationId)}`;
}
