/**
 * The activation's floor handles a failed device as the product's queue host does — the message is
 * delivered again — rather than stopping the run: at N = 50,000 one Copy Blob answered 408 after
 * five minutes, and the floor, which stopped at its first failure, never finished. These tests
 * check the redelivery and that a later delivery goes on from what the earlier one made.
 */
import type { QueueClient } from '@azure/storage-queue';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recoverBare } from '../../bench/activationFloor';
import { drainQueue, type DrainInput } from '../../bench/floorQueue';
import { readSnapshotMetadata } from '../../src/adapters/blob/FullCopyRestorePointStore';
import { restorePointsContainerName } from '../../src/adapters/blob/RestorePointCatalog';
import { newPointMetadata, PointMetadata } from '../../src/adapters/blob/restorePointMetadata';
import { restorePointName } from '../../src/adapters/blob/restorePointName';
import type { RecoveryMessage } from '../../src/app/recoveryMessage';
import { temporaryDeviceName } from '../../src/domain/recoveryTask';
import { SettingNames } from '../../src/settingNames';
import {
  azuriteConnectionString,
  developmentAccount,
  LocalRegions,
  localSettings,
} from '../../src/local/localSettings';

const unique = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 20)}`;

describe('drainQueue with redelivery', () => {
  let queues: QueueServiceClient;
  beforeAll(() => {
    queues = QueueServiceClient.fromConnectionString(
      azuriteConnectionString(developmentAccount, { ...inject('emulators'), http: 0 }),
    );
  });

  /** A queue holding `texts`, and the drain's options for it with short visibility and polls. */
  async function queueOf(
    texts: string[],
  ): Promise<{ queue: QueueClient; options: Omit<DrainInput, 'handle'> }> {
    const queue = queues.getQueueClient(unique('floor'));
    await queue.create();
    for (const text of texts) await queue.sendMessage(text);
    return {
      queue,
      options: {
        queue,
        messages: texts.length,
        concurrency: 2,
        visibilityTimeoutInMs: 1_000,
        minPollIntervalInMs: 20,
        maxPollIntervalInMs: 100,
        timeoutMs: 60_000,
        started: performance.now(),
        failed: () => undefined,
      },
    };
  }

  it('delivers a failed message again and finishes once every message is handled', async () => {
    const { queue, options } = await queueOf(['a', 'b', 'c']);
    const handled: string[] = [];
    const redelivered: string[] = [];
    const result = await drainQueue({
      ...options,
      maxDeliveryCount: 3,
      onRedelivery: (err, item) =>
        redelivered.push(`${item.messageText} ${item.dequeueCount}: ${err.message}`),
      handle: async (item) => {
        if (item.messageText === 'b' && item.dequeueCount === 1) throw new Error('b failed once');
        await queue.deleteMessage(item.messageId, item.popReceipt);
        handled.push(`${item.messageText} ${item.dequeueCount}`);
      },
    });
    expect(result.redeliveries).toBe(1);
    expect(redelivered).toEqual(['b 1: b failed once']);
    expect(handled.sort()).toEqual(['a 1', 'b 2', 'c 1']);
    expect((await queue.peekMessages()).peekedMessageItems).toEqual([]);
  });

  it('fails at the first failure when a message gets one delivery (the default)', async () => {
    const { options } = await queueOf(['a', 'b']);
    await expect(
      drainQueue({
        ...options,
        handle: async (item) => {
          if (item.messageText === 'b') throw new Error('b failed');
        },
      }),
    ).rejects.toThrow('b failed');
  });

  it('fails once a message has failed its last delivery', async () => {
    const { options } = await queueOf(['a']);
    const deliveries: number[] = [];
    await expect(
      drainQueue({
        ...options,
        maxDeliveryCount: 2,
        handle: async (item) => {
          deliveries.push(item.dequeueCount);
          throw new Error(`a failed on delivery ${item.dequeueCount}`);
        },
      }),
    ).rejects.toThrow('a failed on delivery 2');
    expect(deliveries).toEqual([1, 2]);
  });
});

describe('recoverBare, delivered again', () => {
  const tenantId = randomUUID();
  const deviceId = 'device-1';
  const message: RecoveryMessage = {
    kind: 'recover',
    tenantId,
    activationId: unique('act'),
    deviceId,
    dispatch: 1,
    epoch: 1,
    seq: 0,
  };
  let backup: BlobServiceClient;
  let containers: { points: ContainerClient; devices: ContainerClient; records: ContainerClient };
  let pointName: string;

  beforeAll(async () => {
    const settings = localSettings({ ...inject('emulators'), http: 0 });
    const storage = JSON.parse(settings[SettingNames.regionStorage]!) as Record<string, string>;
    backup = BlobServiceClient.fromConnectionString(storage[LocalRegions.backup]!);
    containers = {
      points: backup.getContainerClient(restorePointsContainerName),
      devices: backup.getContainerClient(unique('devices')),
      records: backup.getContainerClient(unique('records')),
    };
    await Promise.all(Object.values(containers).map((container) => container.createIfNotExists()));

    // A verified point that is a finished copy, as the recovery path requires.
    const disks = backup.getContainerClient(unique('disks'));
    await disks.create();
    const disk = disks.getPageBlobClient(`${deviceId}.vhd`);
    await disk.create(1024);
    await disk.uploadPages(Buffer.alloc(512, 7), 0, 512);
    const takenAt = new Date('2026-11-22T10:00:00Z');
    pointName = restorePointName(tenantId, deviceId, takenAt);
    const metadata = {
      ...newPointMetadata(
        {
          region: LocalRegions.primary,
          disk: { kind: 'pageBlob', container: disks.containerName, blob: `${deviceId}.vhd` },
          snapshotId: 'test',
          sizeBytes: 1024,
        },
        { region: LocalRegions.backup, tenantId, deviceId, takenAt, kind: 'scheduled' },
      ),
      [PointMetadata.verified]: 'true',
      [PointMetadata.hash]: 'test',
    };
    const copy = await containers.points.getBlobClient(pointName).beginCopyFromURL(disk.url, { metadata });
    expect((await copy.pollUntilDone()).copyStatus).toBe('success');
  });

  afterAll(async () => {
    await Promise.all([containers.devices.delete(), containers.records.delete()]);
  });

  const readSnapshots = async () => {
    const found: string[] = [];
    for await (const item of containers.points.listBlobsFlat({
      prefix: pointName,
      includeSnapshots: true,
      includeMetadata: true,
    })) {
      if (item.snapshot && item.metadata?.[readSnapshotMetadata] === 'true') found.push(item.snapshot);
    }
    return found;
  };
  const names = async (container: ContainerClient) => {
    const found: string[] = [];
    for await (const item of container.listBlobsFlat()) found.push(item.name);
    return found;
  };

  it('goes on from what the earlier delivery made; a first delivery refuses to', async () => {
    const device = temporaryDeviceName(message.activationId, deviceId);

    // The point was verified without a read snapshot: the first delivery takes it.
    await recoverBare(backup, containers, message, false);
    const [snapshot] = await readSnapshots();
    expect(snapshot).toBeDefined();
    expect(await names(containers.devices)).toEqual([device]);
    const markers = await names(containers.records);
    expect(markers).toHaveLength(1);

    // A first delivery finding the temporary device means the account was not reset.
    await expect(recoverBare(backup, containers, message, false)).rejects.toThrow(/reset the account first/);

    // Everything done already: nothing new.
    await recoverBare(backup, containers, message, true);
    expect(await readSnapshots()).toEqual([snapshot]);
    expect(await names(containers.devices)).toEqual([device]);
    expect(await names(containers.records)).toEqual(markers);

    // The earlier delivery stopped after its snapshot: the copy is made from that snapshot.
    await containers.devices.getBlobClient(device).delete();
    await recoverBare(backup, containers, message, true);
    expect(await readSnapshots()).toEqual([snapshot]);
    const copied = await containers.devices.getBlobClient(device).getProperties();
    expect(copied.copyStatus).toBe('success');
    expect(copied.copySource).toContain(`snapshot=${encodeURIComponent(snapshot!)}`);
    expect(await names(containers.records)).toHaveLength(2);
  });
});
