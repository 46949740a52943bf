/**
 * The snapshot calls the managed-disk store makes, by ARM id: read, start a CopyStart copy, grant
 * and revoke read access, delete. Each goes to the client of the snapshot's own subscription.
 */
import type { Snapshot } from '@azure/arm-compute';
import { parseArmResourceId } from '../../domain/armId';
import { managedSnapshotTags } from '../../domain/managedDiskPlacement';
import type { RestorePointTarget } from '../../ports/RestorePointStore';
import { isArmNotFound } from './armErrors';
import { deleteArmSnapshot } from './ArmDiskSource';
import type { ComputeClients } from './createComputeClient';

/** The encryption a copy of a customer-managed-key disk is made with in the target region. */
export interface CopyEncryptionSettings {
  type: string;
  diskEncryptionSetId: string;
}

export class ArmSnapshots {
  constructor(
    private readonly clients: ComputeClients,
    /** How often grant/revoke/delete long-running operations are polled. */
    private readonly pollIntervalInMs: number,
  ) {}

  /** Undefined when the snapshot does not exist. */
  async get(armId: string): Promise<Snapshot | undefined> {
    const id = parsed(armId);
    try {
      return await this.clients.for(id.subscriptionId).snapshots.get(id.resourceGroup, id.name);
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The CopyStart PUT: only its submission is awaited, never its long-running operation, which
   * succeeds long before the data has moved. A customer-managed-key disk's copy names a disk
   * encryption set of the target region and subscription (`properties.encryption`, the
   * Snapshot's `Encryption` in the Compute REST API): a key vault and its disk encryption set serve
   * their own region only (learn.microsoft.com, "disks-enable-customer-managed-keys-portal").
   */
  async startCopy(
    targetId: string,
    sourceId: string,
    target: Pick<RestorePointTarget, 'tenantId' | 'deviceId' | 'takenAt' | 'region'>,
    encryption?: CopyEncryptionSettings,
  ): Promise<void> {
    const id = parsed(targetId);
    const poller = this.clients.for(id.subscriptionId).snapshots.createOrUpdate(id.resourceGroup, id.name, {
      location: target.region,
      tags: managedSnapshotTags(target.tenantId, target.deviceId, target.takenAt),
      incremental: true,
      creationData: { createOption: 'CopyStart', sourceResourceId: sourceId },
      ...(encryption ? { encryption } : {}),
    });
    await poller.submitted();
  }

  /** A read-only SAS of the snapshot, valid for `seconds`. */
  async grantRead(armId: string, seconds: number): Promise<string> {
    const id = parsed(armId);
    const access = await this.clients
      .for(id.subscriptionId)
      .snapshots.grantAccess(
        id.resourceGroup,
        id.name,
        { access: 'Read', durationInSeconds: seconds },
        { updateIntervalInMs: this.pollIntervalInMs },
      );
    if (!access.accessSAS) throw new Error(`Granting read access to ${armId} returned no SAS`);
    return access.accessSAS;
  }

  async revoke(armId: string): Promise<void> {
    const id = parsed(armId);
    await this.clients
      .for(id.subscriptionId)
      .snapshots.revokeAccess(id.resourceGroup, id.name, { updateIntervalInMs: this.pollIntervalInMs });
  }

  /** Deletes the snapshot (a running copy into it is cancelled); a missing one is success. */
  async delete(armId: string): Promise<void> {
    await deleteArmSnapshot(this.clients, armId, this.pollIntervalInMs);
  }
}

function parsed(armId: string) {
  const id = parseArmResourceId(armId);
  if (!id) throw new TypeError(`"${armId}" is not an ARM resource id`);
  return id;
}
