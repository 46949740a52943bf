/**
 * The activation's floor: the storage and queue calls the recovery path makes per device, issued
 * bare — no Cosmos DB, no drivers, no use case, no host — at the activation's concurrency. What is
 * left between the activation and this is the control plane's own cost (planning, waves, task
 * records, the orchestration's task hub).
 *
 * Per device, mirroring the product at zero provisioning latency with no capacity limit
 * (RecoveryWorker, FullCopyRestorePointStore / RestorePointCatalog, SimulatedComputeProvider, the
 * queue host, WaveDispatch.send):
 *   queue   send (pages of 500, 16 at once, as a dispatch page through StorageWorkQueue),
 *           receive (up to 32 at a time while fewer than `concurrency` are in flight), delete
 *   blob    recoverySource: one listing of the device's points with their snapshots (prefix,
 *           metadata, copy status), the newest verified one taken with the read snapshot
 *           its verification took (a point without one gets it now, on the listed ETag), a
 *           read-only SAS of the snapshot (signed locally: no request);
 *           ensureTemporaryDevice: properties of the temporary device (not there yet), the copy
 *           from the snapshot's URL into `temporary-devices` (If-None-Match: *), the creation
 *           marker (an empty block blob, If-None-Match: *)
 *   table   the audit record of the recovery (AuditTrail), in the control-plane region's storage
 *   and once for all devices, as the provider and the audit log do once per process: create the
 *   two containers and the audit table; and the activation's own audit records (its request's,
 *   started, one per wave, completed).
 * All messages are sent at once: the product's waves (a tier at a time) are the control plane's.
 * A device whose calls fail is delivered again, as the queue host delivers the product's (up to
 * its `maxDeliveryCount`), so one failed request costs a retry, not the run.
 * The harness compares these counts with the activation's, kind by kind, and reports any difference.
 */
import { TableClient } from '@azure/data-tables';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { readSnapshotMetadata } from '../src/adapters/blob/FullCopyRestorePointStore';
import { restorePointsContainerName } from '../src/adapters/blob/RestorePointCatalog';
import { toRestorePoint } from '../src/adapters/blob/restorePointMetadata';
import { restorePointPrefix } from '../src/adapters/blob/restorePointName';
import { snapshotReadUrl } from '../src/adapters/blob/snapshotReadUrl';
import { isAlreadyExists, isNotFound } from '../src/adapters/blob/storageErrors';
import {
  DeviceMetadata,
  simulatedComputeContainerName,
  temporaryDevicesContainerName,
} from '../src/adapters/compute/SimulatedComputeProvider';
import { StorageWorkQueue } from '../src/adapters/storage-queue/StorageWorkQueue';
import { decodeWorkMessage } from '../src/adapters/storage-queue/storageQueueEnvelope';
import { recoveryMessageId, type RecoveryMessage } from '../src/app/recoveryMessage';
import { temporaryDeviceName } from '../src/domain/recoveryTask';
import { LocalRegions } from '../src/local/localSettings';
import type { WorkMessage } from '../src/ports/WorkQueue';
import { SettingNames } from '../src/settingNames';
import { clients, startCopyOnce, type FloorMeasurement } from './floor';
import { drainQueue, sendInPages, type DrainInput } from './floorQueue';

export const activationFloorQueueName = 'bench-activation-floor';

/** WaveDispatch.send: a dispatch page goes out in sends of at most this many messages. */
const sendSlice = 500;

export interface ActivationFloorInput {
  settings: Record<string, string>;
  tenantId: string;
  /** The activation measured: the floor's messages and device names are as long as its. */
  activationId: string;
  ids: readonly string[];
  /**
   * Audit records the activation writes once, not per device: its request's, started, one per
   * wave, completed.
   */
  activationAuditRecords: number;
  concurrency: number;
  visibilityTimeoutInMs: number;
  minPollIntervalInMs: number;
  maxPollIntervalInMs: number;
  timeoutMs: number;
  /** The queue host's deliveries per message: a failed device is delivered again, as there. */
  maxDeliveryCount: number;
  onRedelivery?: DrainInput['onRedelivery'];
}

/** The recovery worker's first message for one device, as the dispatch sends it. */
export function recoveryFloorMessage(
  tenantId: string,
  activationId: string,
  deviceId: string,
): WorkMessage<RecoveryMessage> {
  const body: RecoveryMessage = {
    kind: 'recover',
    tenantId,
    activationId,
    deviceId,
    dispatch: 1,
    epoch: 1,
    seq: 0,
  };
  return { id: recoveryMessageId(body), body, properties: { kind: body.kind, activationId } };
}

/** Creates the floor's queue, outside the timed part. */
export async function prepareActivationFloor(settings: Record<string, string>): Promise<void> {
  await clients(settings).queues.getQueueClient(activationFloorQueueName).createIfNotExists();
}

/** A table of its own in the storage the product's audit table lives in. */
function auditFloorTable(settings: Record<string, string>): TableClient {
  const storage = JSON.parse(settings[SettingNames.regionStorage]!) as Record<string, string>;
  return TableClient.fromConnectionString(storage[settings[SettingNames.region]!]!, 'benchauditfloor', {
    allowInsecureConnection: true,
  });
}

/** An audit record shaped as the product writes one (TableAuditLog), so it costs the same. */
async function appendAudit(
  table: TableClient,
  tenantId: string,
  action: string,
  target: string,
): Promise<void> {
  await table.createEntity({
    partitionKey: tenantId,
    rowKey: `${String(9_999_999_999_999 - Date.now()).padStart(13, '0')}_${LocalRegions.primary}_${randomUUID().slice(0, 12)}`,
    at: new Date().toISOString(),
    region: LocalRegions.primary,
    actor: JSON.stringify({ kind: 'system', region: LocalRegions.primary }),
    action,
    target,
    outcome: 'succeeded',
    detail: `tmp-${randomUUID()} in ${LocalRegions.backup} from ${tenantId}/${randomUUID()}/0000000000000`,
    correlationId: randomUUID(),
  });
}

export async function runActivationFloor(input: ActivationFloorInput): Promise<FloorMeasurement> {
  const { backup, queues } = clients(input.settings);
  const audit = auditFloorTable(input.settings);
  const sender = new StorageWorkQueue(queues);
  const queue = queues.getQueueClient(activationFloorQueueName);
  const devices = input.ids.length;

  const started = performance.now();
  let failure: Error | undefined;
  const containers = {
    points: backup.getContainerClient(restorePointsContainerName),
    devices: backup.getContainerClient(temporaryDevicesContainerName),
    records: backup.getContainerClient(simulatedComputeContainerName),
  };
  // The provider creates each container once per process, on its first creation in the region.
  await Promise.all([
    containers.devices.createIfNotExists(),
    containers.records.createIfNotExists(),
    audit.createTable(),
  ]);
  const activationTarget = `tenants/${input.tenantId}/activations/${input.activationId}`;
  for (let i = 0; i < input.activationAuditRecords; i++)
    await appendAudit(audit, input.tenantId, 'activation.event', activationTarget);

  const sending = sendInPages(
    sender,
    activationFloorQueueName,
    input.ids,
    sendSlice,
    (deviceId) => recoveryFloorMessage(input.tenantId, input.activationId, deviceId),
    started,
    (err) => (failure ??= err),
  );

  const drained = await drainQueue({
    queue,
    messages: devices,
    concurrency: input.concurrency,
    visibilityTimeoutInMs: input.visibilityTimeoutInMs,
    minPollIntervalInMs: input.minPollIntervalInMs,
    maxPollIntervalInMs: input.maxPollIntervalInMs,
    timeoutMs: input.timeoutMs,
    started,
    failed: () => failure,
    maxDeliveryCount: input.maxDeliveryCount,
    onRedelivery: input.onRedelivery,
    handle: async (item) => {
      const message = decodeWorkMessage(item.messageText)?.body as RecoveryMessage | undefined;
      if (!message) throw new Error(`The floor received a message it did not send: ${item.messageId}`);
      await recoverBare(backup, containers, message, item.dequeueCount > 1);
      await appendAudit(
        audit,
        message.tenantId,
        'recovery.recovered',
        `${activationTarget}/devices/${message.deviceId}`,
      );
      await queue.deleteMessage(item.messageId, item.popReceipt);
    },
  });
  const sendMs = await sending;
  if (failure !== undefined) throw failure;
  return { wallMs: drained.wallMs, firstMs: drained.firstMs, sendMs, redeliveries: drained.redeliveries };
}

/**
 * One device's recovery in bare storage calls; throws on anything the product would retry. A
 * `redelivered` message may find what its earlier delivery made, and goes on from there.
 */
export async function recoverBare(
  backup: BlobServiceClient,
  containers: { points: ContainerClient; devices: ContainerClient; records: ContainerClient },
  message: RecoveryMessage,
  redelivered: boolean,
): Promise<void> {
  const region = LocalRegions.backup;
  // recoverySource: one listing of the device's points with their snapshots; the newest verified
  // point, and its read snapshot, taken when the point was verified.
  let chosen: { name: string; etag: string } | undefined;
  const snapshots = new Map<string, string>();
  for await (const item of containers.points.listBlobsFlat({
    prefix: restorePointPrefix(message.tenantId, message.deviceId),
    includeMetadata: true,
    includeSnapshots: true,
    includeCopy: true,
  })) {
    if (item.snapshot) {
      if (item.metadata?.[readSnapshotMetadata] === 'true') snapshots.set(item.name, item.snapshot);
    } else if (!chosen && toRestorePoint(region, item.name, item.metadata)?.verified) {
      if (item.properties.copyStatus !== 'success')
        throw new Error(
          `The point of ${message.deviceId} holds no finished copy (${item.properties.copyStatus})`,
        );
      chosen = { name: item.name, etag: item.properties.etag };
    }
  }
  if (!chosen) throw new Error(`No verified restore point of ${message.deviceId}`);
  const pointName = chosen.name;
  // A point verified without one gets it now, on the listed ETag, as the product does.
  const snapshotId =
    snapshots.get(pointName) ??
    (
      await containers.points.getBlobClient(pointName).createSnapshot({
        metadata: { [readSnapshotMetadata]: 'true' },
        conditions: { ifMatch: chosen.etag },
      })
    ).snapshot;
  if (!snapshotId) throw new Error(`No snapshot id for the point of ${message.deviceId}`);
  const sourceUrl = await snapshotReadUrl(backup, {
    container: restorePointsContainerName,
    blob: pointName,
    snapshotId,
  });

  // ensureTemporaryDevice: the device is not there yet; copy into it; record the creation.
  const name = temporaryDeviceName(message.activationId, message.deviceId);
  const device = containers.devices.getPageBlobClient(name);
  const existing = await device.getProperties().then(
    (properties) => properties.metadata ?? {},
    (err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    },
  );
  // An earlier delivery's device is the one the product's idempotent provider would return.
  if (existing && !redelivered)
    throw new Error(`Temporary device ${name} exists already: reset the account first`);
  let creationId = existing?.[DeviceMetadata.creationId];
  if (!creationId) {
    const createdAt = new Date();
    creationId = `${createdAt.getTime()}-${randomUUID()}`;
    const copyStatus = await startCopyOnce(device, sourceUrl, {
      metadata: {
        [DeviceMetadata.tenantId]: message.tenantId,
        [DeviceMetadata.activationId]: message.activationId,
        [DeviceMetadata.deviceId]: message.deviceId,
        [DeviceMetadata.createdAt]: createdAt.toISOString(),
        [DeviceMetadata.readyAt]: createdAt.toISOString(),
        [DeviceMetadata.outcome]: 'ready',
        [DeviceMetadata.creationId]: creationId,
      },
    });
    if (copyStatus !== 'success')
      throw new Error(
        `The copy into ${name} is ${copyStatus ?? 'unknown'}: the floor expects Azurite's synchronous copy`,
      );
  }
  // A re-sent upload may find its own first attempt's marker, which is what the provider accepts too.
  await containers.records
    .getBlockBlobClient(`creations/${name}/${creationId}`)
    .upload('', 0, { conditions: { ifNoneMatch: '*' } })
    .catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
}
