/**
 * The floor: the storage and queue calls one protection cycle makes per device, issued bare — no
 * Cosmos DB, no use case, no function host — with the cycle's concurrency. What is left between the
 * cycle and this is the control plane's own cost.
 *
 * Per device, mirroring the product (PageBlobDiskSource, FullCopyRestorePointStore,
 * RestorePointCatalog, comparePageBlobs, the worker's prune, the queue host):
 *   queue   send (in pages of 500, 16 at once, as the scheduler through StorageWorkQueue),
 *           receive (up to 32 at a time while fewer than `concurrency` are in flight), delete
 *   blob    snapshot, properties of the snapshot (its size),
 *           copy from the snapshot's SAS into the backup account (If-None-Match: *),
 *           verify: properties of the copy; properties of both; page ranges of both; download of
 *           both; metadata write (the checked hash, If-Match),
 *           mark verified: properties of the copy, metadata write (If-Match), the read
 *           snapshot (If-Match),
 *           delete the snapshot, list the device's points (retention)
 * The harness compares these counts with the cycle's, kind by kind, and reports any difference.
 */
import {
  BlobServiceClient,
  type BlobClient,
  type CopyStatusType,
  type PageBlobClient,
} from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { createHash } from 'node:crypto';
import { readSnapshotMetadata } from '../src/adapters/blob/FullCopyRestorePointStore';
import { restorePointName, restorePointPrefix } from '../src/adapters/blob/restorePointName';
import { isAlreadyExists } from '../src/adapters/blob/storageErrors';
import { snapshotReadUrl } from '../src/adapters/blob/snapshotReadUrl';
import { StorageWorkQueue } from '../src/adapters/storage-queue/StorageWorkQueue';
import { decodeWorkMessage } from '../src/adapters/storage-queue/storageQueueEnvelope';
import { restorePointMessageId, type RestorePointRequest } from '../src/app/restorePointRequest';
import { LocalRegions } from '../src/local/localSettings';
import type { WorkMessage } from '../src/ports/WorkQueue';
import type { QueueName } from '../src/queueNames';
import { SettingNames } from '../src/settingNames';
import { diskContainer } from './fleet';
import { drainQueue, sendInPages } from './floorQueue';

export const floorQueueName = 'bench-floor';
export const floorContainerName = 'bench-floor';

/** The scheduler's page: it queries and sends this many due devices at a time. */
const schedulerPageSize = 500;

export interface FloorInput {
  settings: Record<string, string>;
  tenantId: string;
  ids: readonly string[];
  /** The slot start the cycle's messages carried. */
  takenAt: Date;
  concurrency: number;
  visibilityTimeoutInMs: number;
  minPollIntervalInMs: number;
  maxPollIntervalInMs: number;
  timeoutMs: number;
  /**
   * Characters of padding in each message body, so the floor's messages are as large as the
   * cycle's (whatever the scheduler puts in them): see `calibrateFloorSend`.
   */
  padChars: number;
}

export interface FloorMeasurement {
  wallMs: number;
  firstMs: number;
  /** How long sending every message took. */
  sendMs: number;
  /** Failed deliveries that were delivered again (none in a floor that stops at its first failure). */
  redeliveries: number;
}

/** The scheduler's message for one device, padded by `padChars` characters. */
export function floorMessage(
  tenantId: string,
  deviceId: string,
  takenAt: Date,
  padChars: number,
): WorkMessage<RestorePointRequest & { pad?: string }> {
  const request: RestorePointRequest = {
    tenantId,
    deviceId,
    takenAt: takenAt.toISOString(),
    kind: 'scheduled',
    attempt: 1,
    check: 0,
  };
  const body = padChars > 0 ? { ...request, pad: 'x'.repeat(padChars) } : request;
  return { id: restorePointMessageId(request), body, properties: { tenantId, kind: 'scheduled' } };
}

/**
 * Sends one unpadded floor message (then clears the queue) inside `measure`, which returns the
 * bytes of the send request it saw; gives the padding that makes a floor send `targetBytes` long.
 * The body travels as base64 of its JSON: 4 characters of request for every 3 of JSON.
 */
export async function calibrateFloorSend(
  settings: Record<string, string>,
  message: WorkMessage<unknown>,
  targetBytes: number,
  measure: (send: () => Promise<void>) => Promise<number>,
): Promise<number> {
  const { queues } = clients(settings);
  const sender = new StorageWorkQueue(queues);
  const baseBytes = await measure(() => sender.send(floorQueueName as QueueName, [message]));
  await queues.getQueueClient(floorQueueName).clearMessages();
  const padJsonOverhead = ',"pad":""'.length;
  return Math.max(0, Math.round(((targetBytes - baseBytes) * 3) / 4) - padJsonOverhead);
}

/** Creates the floor's queue and container, outside the timed part. */
export async function prepareFloor(settings: Record<string, string>): Promise<void> {
  const { backup, queues } = clients(settings);
  await Promise.all([
    backup.getContainerClient(floorContainerName).createIfNotExists(),
    queues.getQueueClient(floorQueueName).createIfNotExists(),
  ]);
}

export async function runFloor(input: FloorInput): Promise<FloorMeasurement> {
  const { primary, backup, queues } = clients(input.settings);
  const sender = new StorageWorkQueue(queues);
  const queue = queues.getQueueClient(floorQueueName);
  const target = backup.getContainerClient(floorContainerName);
  const devices = input.ids.length;

  const started = performance.now();
  let failure: Error | undefined;

  const sending = sendInPages(
    sender,
    floorQueueName,
    input.ids,
    schedulerPageSize,
    (deviceId) => floorMessage(input.tenantId, deviceId, input.takenAt, input.padChars),
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
    handle: async (item) => {
      const message = decodeWorkMessage(item.messageText);
      const request = message?.body as RestorePointRequest | undefined;
      if (!request) throw new Error(`The floor received a message it did not send: ${item.messageId}`);
      await restorePointBare(primary, target, request);
      await queue.deleteMessage(item.messageId, item.popReceipt);
    },
  });
  const sendMs = await sending;
  if (failure !== undefined) throw failure;
  return { wallMs: drained.wallMs, firstMs: drained.firstMs, sendMs, redeliveries: drained.redeliveries };
}

export function clients(settings: Record<string, string>): {
  primary: BlobServiceClient;
  backup: BlobServiceClient;
  queues: QueueServiceClient;
} {
  const storage = JSON.parse(settings[SettingNames.regionStorage]!) as Record<string, string>;
  return {
    primary: BlobServiceClient.fromConnectionString(storage[LocalRegions.primary]!),
    backup: BlobServiceClient.fromConnectionString(storage[LocalRegions.backup]!),
    queues: QueueServiceClient.fromConnectionString(settings[SettingNames.hostStorage]!),
  };
}

/** One device's restore point in bare storage calls; throws on anything the product would retry. */
async function restorePointBare(
  primary: BlobServiceClient,
  target: ReturnType<BlobServiceClient['getContainerClient']>,
  request: RestorePointRequest,
): Promise<void> {
  const disk = primary.getContainerClient(diskContainer).getPageBlobClient(`${request.deviceId}.vhd`);

  // Snapshot, then its size from the snapshot itself.
  const snapshotId = (await disk.createSnapshot()).snapshot;
  if (!snapshotId) throw new Error(`No snapshot id for ${request.deviceId}`);
  const snapshot = disk.withSnapshot(snapshotId);
  const sizeBytes = (await snapshot.getProperties()).contentLength ?? 0;

  // Server-side copy into the backup account from a read-only SAS of the snapshot.
  // Named as the product names its points, `{tenantId}/{deviceId}/{inverted time}`.
  const name = restorePointName(request.tenantId, request.deviceId, new Date(request.takenAt));
  const point = target.getPageBlobClient(name);
  const sourceUrl = await snapshotReadUrl(primary, {
    container: diskContainer,
    blob: `${request.deviceId}.vhd`,
    snapshotId,
  });
  // The adapter's own call: the poller's first poll starts the copy, and a small copy may finish at once.
  const copyStatus = await startCopyOnce(point, sourceUrl, {
    metadata: {
      deviceid: request.deviceId,
      takenat: request.takenAt,
      kind: request.kind,
      verified: 'false',
      sourcesize: String(sizeBytes),
      sourceregion: LocalRegions.primary,
      sourcesnapshot: snapshotId,
    },
  });
  if (copyStatus !== 'success')
    throw new Error(
      `The copy of ${request.deviceId} is ${copyStatus ?? 'unknown'}: the floor expects Azurite's synchronous copy`,
    );

  // Verify: the point's properties, then length, page ranges and content of both sides.
  const read = await point.getProperties();
  const [sourceSize, copySize] = await Promise.all([snapshot.getProperties(), point.getProperties()]);
  if (sourceSize.contentLength !== copySize.contentLength)
    throw new Error(`Length differs for ${request.deviceId}`);
  const [sourceRanges, copyRanges] = await Promise.all([pageRanges(snapshot), pageRanges(point)]);
  if (sourceRanges !== copyRanges) throw new Error(`Page ranges differ for ${request.deviceId}`);
  const [sourceBytes, copyBytes] = await Promise.all([
    snapshot.downloadToBuffer(0, sizeBytes),
    point.downloadToBuffer(0, sizeBytes),
  ]);
  if (!sourceBytes.equals(copyBytes)) throw new Error(`Content differs for ${request.deviceId}`);
  const hash = createHash('md5').update(copyBytes).digest('base64');
  const stamped = await point.setMetadata(
    { ...read.metadata, checkedhash: hash },
    { conditions: { ifMatch: read.etag! } },
  );

  // Mark verified, on the ETag just read.
  const before = await point.getProperties();
  if (before.etag !== stamped.etag)
    throw new Error(`The point of ${request.deviceId} changed while being verified`);
  const { checkedhash: _checked, ...rest } = before.metadata ?? {};
  const marked = await point.setMetadata(
    { ...rest, verified: 'true', hash },
    { conditions: { ifMatch: before.etag! } },
  );
  // The read snapshot a recovery copies from, on the ETag just written.
  await point.createSnapshot({
    metadata: { [readSnapshotMetadata]: 'true' },
    conditions: { ifMatch: marked.etag! },
  });

  // Release the source snapshot; list the device's points as retention does.
  await snapshot.delete();
  for await (const item of target.listBlobsFlat({
    prefix: restorePointPrefix(request.tenantId, request.deviceId),
    includeMetadata: true,
  }))
    void item;
}

/**
 * Starts a copy into a blob that must not exist yet, as the product does (`If-None-Match: *`), and
 * returns its status. Under load the SDK may re-send a start whose first attempt the service already
 * carried out (a 500 or a lost response): the re-send then finds the blob and is refused. The product
 * reads the existing copy's status then, and so does the floor, rather than fail the whole run.
 */
export async function startCopyOnce(
  blob: BlobClient,
  sourceUrl: string,
  options: { metadata: Record<string, string> },
): Promise<CopyStatusType | undefined> {
  try {
    const poller = await blob.beginCopyFromURL(sourceUrl, { ...options, conditions: { ifNoneMatch: '*' } });
    return poller.getOperationState().result?.copyStatus;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return (await blob.getProperties()).copyStatus;
  }
}

async function pageRanges(blob: PageBlobClient): Promise<string> {
  const ranges: string[] = [];
  for await (const range of blob.listPageRanges()) ranges.push(`${range.start}-${range.end}`);
  return ranges.join(',');
}
