/**
 * Service Bus cannot run here (its emulator is a Docker image), so these tests stand a fake sender
 * in for the SDK's: they check this adapter's batching, caching and closing, not the broker.
 */
import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { ServiceBusWorkQueue } from '../../../src/adapters/servicebus/ServiceBusWorkQueue';
import type { QueueName } from '../../../src/queueNames';

/** Batches that hold `maxSizeInBytes` of JSON-encoded bodies, as a stand-in for AMQP encoding. */
function fakeClient(maxSizeInBytes: number) {
  const sent: { queue: string; messages: ServiceBusMessage[] }[] = [];
  const created: string[] = [];
  const closed: string[] = [];
  const client = {
    createSender(queue: string) {
      created.push(queue);
      return {
        async createMessageBatch() {
          const messages: ServiceBusMessage[] = [];
          let size = 0;
          return {
            maxSizeInBytes,
            get count() {
              return messages.length;
            },
            tryAddMessage(message: ServiceBusMessage) {
              const bytes = JSON.stringify(message.body).length;
              if (size + bytes > maxSizeInBytes) return false;
              size += bytes;
              messages.push(message);
              return true;
            },
            messages,
          };
        },
        async sendMessages(batch: { messages: ServiceBusMessage[] }) {
          sent.push({ queue, messages: [...batch.messages] });
        },
        async close() {
          closed.push(queue);
        },
      };
    },
  };
  return { client: client as unknown as ServiceBusClient, sent, created, closed };
}

const queue = 'restore-points' as QueueName;

describe('ServiceBusWorkQueue', () => {
  it('sends in as few batches as fit, starting a new one when a message does not fit', async () => {
    const fake = fakeClient(25);
    const workQueue = new ServiceBusWorkQueue(fake.client);
    await workQueue.send(
      queue,
      ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, body: 'x'.repeat(8) })),
    );
    expect(fake.sent.map((batch) => batch.messages.map((m) => m.messageId))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
  });

  it('rejects a single message that cannot fit in an empty batch, naming its id', async () => {
    const fake = fakeClient(25);
    const workQueue = new ServiceBusWorkQueue(fake.client);
    await expect(workQueue.send(queue, [{ id: 'huge', body: 'x'.repeat(100) }])).rejects.toThrow(
      /"huge".*25 bytes/,
    );
    await expect(
      workQueue.send(queue, [
        { id: 'ok', body: 'x' },
        { id: 'huge2', body: 'x'.repeat(100) },
      ]),
    ).rejects.toThrow(/"huge2"/);
  });

  it('fills every batch before sending any: a message too large fails the call with nothing sent', async () => {
    const fake = fakeClient(25);
    const workQueue = new ServiceBusWorkQueue(fake.client);
    await expect(
      workQueue.send(queue, [
        ...['a', 'b', 'c', 'd'].map((id) => ({ id, body: 'x'.repeat(8) })),
        { id: 'huge', body: 'x'.repeat(100) },
      ]),
    ).rejects.toThrow(/"huge"/);
    expect(fake.sent).toEqual([]);
  });

  it('sends the batches of a large send a few at once, each message once', async () => {
    const fake = fakeClient(25);
    let inFlight = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const createSender = fake.client.createSender.bind(fake.client);
    (fake.client as { createSender: unknown }).createSender = (name: string) => {
      const sender = createSender(name);
      const send = sender.sendMessages.bind(sender);
      return Object.assign(sender, {
        async sendMessages(batch: Parameters<typeof send>[0]) {
          inFlight += 1;
          most = Math.max(most, inFlight);
          // Held until every batch allowed at once has started, then let go in turn.
          await new Promise<void>((resolve) => releases.push(resolve));
          inFlight -= 1;
          await send(batch);
        },
      });
    };
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const sending = new ServiceBusWorkQueue(fake.client).send(
      queue,
      ids.map((id) => ({ id, body: 'x'.repeat(8) })),
    );
    while (fake.sent.length < 10) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    await sending;
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    expect(fake.sent.flatMap((batch) => batch.messages.map((m) => m.messageId)).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('schedules every message of a delayed send', async () => {
    const fake = fakeClient(1_000);
    const workQueue = new ServiceBusWorkQueue(fake.client);
    const before = Date.now();
    await workQueue.send(
      queue,
      [
        { id: 'a', body: 1 },
        { id: 'b', body: 2 },
      ],
      { delayInMs: 60_000 },
    );
    const times = fake.sent.flatMap((batch) =>
      batch.messages.map((m) => m.scheduledEnqueueTimeUtc!.getTime()),
    );
    expect(times).toHaveLength(2);
    for (const time of times) expect(time).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('caches one sender per queue and closes them all on close()', async () => {
    const fake = fakeClient(1_000);
    const workQueue = new ServiceBusWorkQueue(fake.client);
    await workQueue.send(queue, [{ id: 'a', body: 1 }]);
    await workQueue.send(queue, [{ id: 'b', body: 1 }]);
    await workQueue.send('device-recovery', [{ id: 'c', body: 1 }]);
    expect(fake.created).toEqual(['restore-points', 'device-recovery']);
    await workQueue.close();
    expect(fake.closed.sort()).toEqual(['device-recovery', 'restore-points']);
    await expect(workQueue.send(queue, [{ id: 'd', body: 1 }])).rejects.toThrow(/closed/);
  });

  it('opens no sender for an empty list', async () => {
    const fake = fakeClient(1_000);
    await new ServiceBusWorkQueue(fake.client).send(queue, []);
    expect(fake.created).toEqual([]);
  });
});
