import { QueueServiceClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  decodeWorkMessage,
  maxWorkMessageBytes,
} from '../../../src/adapters/storage-queue/storageQueueEnvelope';
import { StorageWorkQueue } from '../../../src/adapters/storage-queue/StorageWorkQueue';
import { azuriteConnectionString, developmentAccount } from '../../../src/local/localSettings';
import type { QueueName } from '../../../src/queueNames';

/** A fresh queue per test: the Azurite instance is shared by every test file. */
const uniqueQueue = (): QueueName => `wq${randomUUID().replace(/-/g, '').slice(0, 24)}` as QueueName;

describe('StorageWorkQueue', () => {
  let client: QueueServiceClient;
  let workQueue: StorageWorkQueue;
  beforeAll(() => {
    client = QueueServiceClient.fromConnectionString(
      azuriteConnectionString(developmentAccount, { ...inject('emulators'), http: 0 }),
    );
    workQueue = new StorageWorkQueue(client);
  });

  const receiveAll = async (queue: string) => {
    const response = await client
      .getQueueClient(queue)
      .receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
    return response.receivedMessageItems;
  };

  it('creates the queue on first use and stores id, body, properties and enqueued time as base64 JSON', async () => {
    const queue = uniqueQueue();
    expect(await client.getQueueClient(queue).exists()).toBe(false);
    const before = Date.now();
    await workQueue.send(queue, [
      { id: 'a:1', body: { deviceId: 'd1', n: 1 }, properties: { tenantId: 't1', wave: 2, urgent: true } },
    ]);

    const [item, ...rest] = await receiveAll(queue);
    expect(rest).toHaveLength(0);
    expect(JSON.parse(Buffer.from(item!.messageText, 'base64').toString('utf8'))).toMatchObject({
      id: 'a:1',
    });
    const message = decodeWorkMessage(item!.messageText);
    expect(message).toMatchObject({
      id: 'a:1',
      body: { deviceId: 'd1', n: 1 },
      properties: { tenantId: 't1', wave: 2, urgent: true },
    });
    expect(Date.parse(message!.enqueuedTimeUtc)).toBeGreaterThanOrEqual(before);
  });

  it('sends every message of a call, more than the number it sends at once', async () => {
    const queue = uniqueQueue();
    const ids = Array.from({ length: 40 }, (_, i) => `m:${i}`);
    await workQueue.send(
      queue,
      ids.map((id) => ({ id, body: { id } })),
    );
    const received = [...(await receiveAll(queue)), ...(await receiveAll(queue))];
    expect(received.map((item) => decodeWorkMessage(item.messageText)?.id).sort()).toEqual([...ids].sort());
  });

  it('keeps a delayed message invisible until its delay has passed', async () => {
    const queue = uniqueQueue();
    const sentAt = Date.now();
    await workQueue.send(queue, [{ id: 'later', body: 1 }], { delayInMs: 1_500 });
    await workQueue.send(queue, [{ id: 'now', body: 2 }]);

    const peeked = await client.getQueueClient(queue).peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems.map((item) => decodeWorkMessage(item.messageText)?.id)).toEqual(['now']);
    let later: ReturnType<typeof decodeWorkMessage>;
    while (!later) {
      const { peekedMessageItems } = await client
        .getQueueClient(queue)
        .peekMessages({ numberOfMessages: 32 });
      later = peekedMessageItems
        .map((item) => decodeWorkMessage(item.messageText))
        .find((m) => m?.id === 'later');
      if (!later) await sleep(100);
    }
    expect(Date.now()).toBeGreaterThanOrEqual(sentAt + 1_500);
    // Like Service Bus's enqueued time of a scheduled message: when it became deliverable.
    expect(Date.parse(later.enqueuedTimeUtc)).toBeGreaterThanOrEqual(sentAt + 1_500);
  });

  it('has no duplicate detection: the same id sent twice is stored twice', async () => {
    const queue = uniqueQueue();
    await workQueue.send(queue, [{ id: 'same', body: 1 }]);
    await workQueue.send(queue, [{ id: 'same', body: 1 }]);
    expect(await receiveAll(queue)).toHaveLength(2);
  });

  it('rejects a delay Storage cannot give, and a negative one, sending nothing', async () => {
    const queue = uniqueQueue();
    await expect(
      workQueue.send(queue, [{ id: 'x', body: 1 }], { delayInMs: 7 * 24 * 3600 * 1000 + 1 }),
    ).rejects.toThrow(RangeError);
    await expect(workQueue.send(queue, [{ id: 'x', body: 1 }], { delayInMs: -1 })).rejects.toThrow(
      RangeError,
    );
    expect(await client.getQueueClient(queue).exists()).toBe(false);
  });

  it('rejects a message too large for the queue by its id, before sending any of the call', async () => {
    const queue = uniqueQueue();
    const big = 'x'.repeat(maxWorkMessageBytes);
    const sending = workQueue.send(queue, [
      { id: 'small', body: 'small' },
      { id: 'too-big', body: big },
    ]);
    await expect(sending).rejects.toThrow(RangeError);
    await expect(sending).rejects.toThrow(/"too-big"/);
    expect(await client.getQueueClient(queue).exists()).toBe(false);
  });

  it('rejects an id Service Bus would reject', async () => {
    const queue = uniqueQueue();
    await expect(workQueue.send(queue, [{ id: '', body: 1 }])).rejects.toThrow(TypeError);
    await expect(workQueue.send(queue, [{ id: 'x'.repeat(129), body: 1 }])).rejects.toThrow(TypeError);
  });

  it('sends nothing, and creates nothing, for an empty list', async () => {
    const queue = uniqueQueue();
    await workQueue.send(queue, []);
    expect(await client.getQueueClient(queue).exists()).toBe(false);
  });

  it('stops on an aborted signal', async () => {
    const queue = uniqueQueue();
    const controller = new AbortController();
    controller.abort();
    await expect(
      workQueue.send(queue, [{ id: 'x', body: 1 }], { abortSignal: controller.signal }),
    ).rejects.toThrow();
    expect(await receiveAll(queue)).toHaveLength(0);
  });
});
