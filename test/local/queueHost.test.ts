import { InvocationContext } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { peekDeadLetters } from '../../src/adapters/storage-queue/peekDeadLetters';
import { StorageWorkQueue } from '../../src/adapters/storage-queue/StorageWorkQueue';
import type { Connection } from '../../src/config';
import { azuriteConnectionString, developmentAccount } from '../../src/local/localSettings';
import {
  startQueueHost,
  type QueueHost,
  type QueueHostOptions,
  type QueueWorker,
} from '../../src/local/queueHost';
import type { QueueName } from '../../src/queueNames';

/** Short locks and polls keep each test to a few seconds; nothing below asserts on speed. */
const fast: QueueHostOptions = {
  visibilityTimeoutInMs: 1_000,
  minPollIntervalInMs: 20,
  maxPollIntervalInMs: 100,
  maxDeliveryCount: 3,
};

const uniqueQueue = (): QueueName => `qh${randomUUID().replace(/-/g, '').slice(0, 24)}` as QueueName;

interface Delivery {
  body: unknown;
  context: InvocationContext;
  deliveryCount: number;
  at: number;
}

/** A worker that records each delivery, then behaves as told (throw, wait, or return). */
function recordingWorker(
  queueName: string,
  behave: (delivery: Delivery) => Promise<void> | void = () => undefined,
) {
  const deliveries: Delivery[] = [];
  const worker: QueueWorker = {
    name: `worker-${queueName}`,
    queueName,
    async handler(body, context) {
      const delivery = {
        body,
        context,
        deliveryCount: Number(context.triggerMetadata?.deliveryCount),
        at: Date.now(),
      };
      deliveries.push(delivery);
      await behave(delivery);
    },
  };
  return { worker, deliveries };
}

/** A liveness guard, generous on purpose: it fails a test that hangs, it does not measure speed. */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutInMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(25);
  }
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('startQueueHost', () => {
  let connection: Connection;
  let client: QueueServiceClient;
  let workQueue: StorageWorkQueue;
  const hosts: QueueHost[] = [];

  beforeAll(() => {
    const connectionString = azuriteConnectionString(developmentAccount, { ...inject('emulators'), http: 0 });
    connection = { kind: 'connectionString', connectionString };
    client = QueueServiceClient.fromConnectionString(connectionString);
    workQueue = new StorageWorkQueue(client);
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  const start = async (workers: QueueWorker[], options: QueueHostOptions = {}): Promise<QueueHost> => {
    const host = await startQueueHost({ connection, functions: workers, options: { ...fast, ...options } });
    hosts.push(host);
    return host;
  };
  const queueLength = async (queue: string): Promise<number> =>
    (await client.getQueueClient(queue).peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;

  it('calls the handler with the body and a real InvocationContext carrying the Service Bus trigger metadata, then deletes the message', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue);
    const host = await start([worker]);
    await workQueue.send(queue, [
      { id: 'act1:dev1', body: { deviceId: 'dev1' }, properties: { tenantId: 't1', wave: 1 } },
    ]);

    await waitFor(() => deliveries.length === 1, 'the delivery');
    await host.stop();
    const [delivery] = deliveries;
    expect(delivery!.body).toEqual({ deviceId: 'dev1' });
    expect(delivery!.context).toBeInstanceOf(InvocationContext);
    expect(delivery!.context.functionName).toBe(worker.name);
    expect(delivery!.context.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivery!.context.triggerMetadata).toMatchObject({
      messageId: 'act1:dev1',
      deliveryCount: 1,
      applicationProperties: { tenantId: 't1', wave: 1 },
    });
    expect(Date.parse(String(delivery!.context.triggerMetadata?.enqueuedTimeUtc))).not.toBeNaN();
    expect(await queueLength(queue)).toBe(0);
  });

  it('delivers, after a restart, a message sent while no consumer ran and one still delayed when the consumer stopped', async () => {
    const queue = uniqueQueue();
    const first = recordingWorker(queue);
    const firstHost = await start([first.worker]);
    await workQueue.send(queue, [{ id: 'delayed', body: 'delayed' }], { delayInMs: 1_000 });
    await firstHost.stop();
    await workQueue.send(queue, [{ id: 'while-stopped', body: 'while-stopped' }]);

    const second = recordingWorker(queue);
    await start([second.worker]);
    await waitFor(() => second.deliveries.length === 2, 'both deliveries after the restart');
    expect(first.deliveries).toHaveLength(0);
    expect(second.deliveries.map((d) => d.body).sort()).toEqual(['delayed', 'while-stopped']);
  });

  it('delivers a message again after its visibility timeout when the handler throws, with a higher delivery count', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue, (delivery) => {
      if (delivery.deliveryCount === 1) throw new Error('transient');
    });
    const host = await start([worker]);
    await workQueue.send(queue, [{ id: 'retry-me', body: 1 }]);

    await waitFor(() => deliveries.length === 2, 'the redelivery');
    await host.stop();
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2]);
    // The lock hid it for the visibility timeout (1 s) before the second delivery.
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(500);
    expect(await queueLength(queue)).toBe(0);
    expect(await peekDeadLetters(client, queue)).toEqual([]);
  });

  it('delivers a message whose handler failed to the next consumer after a restart', async () => {
    const queue = uniqueQueue();
    const first = recordingWorker(queue, () => {
      throw new Error('crash-like failure');
    });
    const firstHost = await start([first.worker]);
    await workQueue.send(queue, [{ id: 'survivor', body: 'survivor' }]);
    await waitFor(() => first.deliveries.length === 1, 'the failed delivery');
    await firstHost.stop();

    const second = recordingWorker(queue);
    await start([second.worker]);
    await waitFor(() => second.deliveries.length === 1, 'the delivery after the restart');
    expect(second.deliveries[0]!.deliveryCount).toBe(2);
  });

  it('dead-letters a message after maxDeliveryCount failed deliveries, keeping its body and the reason', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue, (delivery) => {
      throw new Error(`boom ${delivery.deliveryCount}`);
    });
    await start([worker], { maxDeliveryCount: 3 });
    await workQueue.send(queue, [{ id: 'poison', body: { deviceId: 'd9' }, properties: { tenantId: 't9' } }]);

    await waitFor(async () => (await peekDeadLetters(client, queue)).length === 1, 'the dead letter');
    const [deadLetter] = await peekDeadLetters(client, queue);
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    expect(deadLetter).toMatchObject({
      id: 'poison',
      body: { deviceId: 'd9' },
      properties: { tenantId: 't9' },
      deadLetter: {
        reason: 'MaxDeliveryCountExceeded',
        deliveryCount: 3,
        sourceQueue: queue,
        functionName: worker.name,
      },
    });
    expect(deadLetter!.deadLetter.errorDescription).toContain('boom 3');
    await waitFor(async () => (await queueLength(queue)) === 0, 'the main queue to be empty');
    // Nothing is delivered after the dead-lettering (it would show up after another lock period).
    await sleep(1_500);
    expect(deliveries).toHaveLength(3);
  });

  it('dead-letters, without calling the handler, a message whose deliveries ran out without an outcome (e.g. crashes)', async () => {
    const queue = uniqueQueue();
    await workQueue.send(queue, [{ id: 'crashed-twice', body: 1 }]);
    // Two receives that never complete nor fail, as two hosts dying mid-handler would leave it.
    const raw = client.getQueueClient(queue);
    for (let i = 0; i < 2; i++) {
      const [item] = (await raw.receiveMessages({ visibilityTimeout: 30 })).receivedMessageItems;
      await raw.updateMessage(item!.messageId, item!.popReceipt, undefined, 0);
    }
    const { worker, deliveries } = recordingWorker(queue);
    await start([worker], { maxDeliveryCount: 2 });

    await waitFor(async () => (await peekDeadLetters(client, queue)).length === 1, 'the dead letter');
    const [deadLetter] = await peekDeadLetters(client, queue);
    expect(deadLetter).toMatchObject({
      id: 'crashed-twice',
      deadLetter: { reason: 'MaxDeliveryCountExceeded', deliveryCount: 3 },
    });
    expect(deliveries).toHaveLength(0);
  });

  it('dead-letters a message that is not a work message at once, without calling the handler', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue);
    await start([worker]);
    await client.getQueueClient(queue).sendMessage('plain text, not base64 JSON');

    await waitFor(async () => (await peekDeadLetters(client, queue)).length === 1, 'the dead letter');
    const [deadLetter] = await peekDeadLetters(client, queue);
    expect(deadLetter).toMatchObject({
      body: 'plain text, not base64 JSON',
      deadLetter: { reason: 'MalformedMessage', deliveryCount: 1 },
    });
    expect(deliveries).toHaveLength(0);
  });

  it('does not deliver a delayed message before its delay, and delivers it after', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue);
    await start([worker]);
    const sentAt = Date.now();
    await workQueue.send(queue, [{ id: 'later', body: 'later' }], { delayInMs: 2_000 });
    await workQueue.send(queue, [{ id: 'now', body: 'now' }]);

    await waitFor(() => deliveries.length === 1, 'the undelayed message');
    expect(deliveries[0]!.body).toBe('now');
    await waitFor(() => deliveries.length === 2, 'the delayed message');
    expect(deliveries.map((d) => d.body)).toEqual(['now', 'later']);
    expect(deliveries[1]!.at).toBeGreaterThanOrEqual(sentAt + 2_000);
  });

  it('runs up to maxConcurrentCalls handlers at once, and no more', async () => {
    const queue = uniqueQueue();
    const release = gate();
    let running = 0;
    let mostAtOnce = 0;
    const { worker, deliveries } = recordingWorker(queue, async () => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await release.opened;
      running--;
    });
    await start([worker], { maxConcurrentCalls: 4, visibilityTimeoutInMs: 5_000 });
    await workQueue.send(
      queue,
      Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, body: i })),
    );

    await waitFor(() => running === 4, 'four handlers at once');
    // Give the host every chance to overrun the limit before checking it did not.
    await sleep(300);
    expect(running).toBe(4);
    release.open();
    await waitFor(() => deliveries.length === 10, 'every message');
    expect(mostAtOnce).toBe(4);
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(10);
  });

  it('stop() stops receiving at once but waits for the handlers already running, which then complete', async () => {
    const queue = uniqueQueue();
    const release = gate();
    let finished = false;
    const { worker, deliveries } = recordingWorker(queue, async () => {
      await release.opened;
      finished = true;
    });
    const host = await start([worker], { visibilityTimeoutInMs: 2_000 });
    await workQueue.send(queue, [{ id: 'in-flight', body: 1 }]);
    await waitFor(() => deliveries.length === 1, 'the delivery');

    let stopped = false;
    const stopping = host.stop().then(() => (stopped = true));
    await workQueue.send(queue, [{ id: 'after-stop', body: 2 }]);
    await sleep(300);
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(finished).toBe(true);
    expect(deliveries.map((d) => d.body)).toEqual([1]);
    // The in-flight message was completed; the one sent after stop() waits for the next consumer.
    // A receive the stop aborted may still have hidden it on the server: it is back within a lock.
    const visible = async () =>
      (await client.getQueueClient(queue).peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    await waitFor(async () => (await visible()).length > 0, 'the message sent after stop()', 4_000);
    expect(await visible()).toHaveLength(1);
    expect(deliveries.map((d) => d.body)).toEqual([1]);
  });

  it('renews the lock of a handler that runs longer than the visibility timeout, so it is not delivered twice', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue, () => sleep(3_000).then(() => undefined));
    const host = await start([worker], { visibilityTimeoutInMs: 1_000 });
    await workQueue.send(queue, [{ id: 'slow', body: 1 }]);
    await waitFor(() => deliveries.length === 1, 'the delivery');
    await host.stop();
    expect(deliveries).toHaveLength(1);
    expect(await queueLength(queue)).toBe(0);
  });

  it('stops renewing after maxLockRenewalDurationInMs: a handler running longer may see its message again', async () => {
    const queue = uniqueQueue();
    const { worker, deliveries } = recordingWorker(queue, (delivery) =>
      delivery.deliveryCount === 1 ? sleep(2_500).then(() => undefined) : undefined,
    );
    const host = await start([worker], { visibilityTimeoutInMs: 1_000, maxLockRenewalDurationInMs: 0 });
    await workQueue.send(queue, [{ id: 'too-slow', body: 1 }]);
    await waitFor(() => deliveries.length === 2, 'the second delivery');
    await host.stop();
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2]);
  });

  it('rejects options it cannot honour', async () => {
    await expect(
      startQueueHost({ connection, functions: [], options: { visibilityTimeoutInMs: 500 } }),
    ).rejects.toThrow(RangeError);
    await expect(
      startQueueHost({ connection, functions: [], options: { maxDeliveryCount: 0 } }),
    ).rejects.toThrow(RangeError);
    await expect(
      startQueueHost({
        connection,
        functions: [],
        options: { minPollIntervalInMs: 50, maxPollIntervalInMs: 10 },
      }),
    ).rejects.toThrow(RangeError);
  });
});
