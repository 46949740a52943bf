import { QueueServiceClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { peekDeadLetters } from '../../../src/adapters/storage-queue/peekDeadLetters';
import {
  deadLetterQueueName,
  encodeDeadLetter,
} from '../../../src/adapters/storage-queue/storageQueueEnvelope';
import { azuriteConnectionString, developmentAccount } from '../../../src/local/localSettings';

describe('peekDeadLetters', () => {
  let client: QueueServiceClient;
  beforeAll(() => {
    client = QueueServiceClient.fromConnectionString(
      azuriteConnectionString(developmentAccount, { ...inject('emulators'), http: 0 }),
    );
  });

  it('finds nothing for a queue that never dead-lettered anything', async () => {
    expect(await peekDeadLetters(client, `dl${randomUUID().slice(0, 8)}`)).toEqual([]);
  });

  it('reads dead-lettered messages without removing them, skipping what is not one', async () => {
    const queue = `dl${randomUUID().slice(0, 8)}`;
    const deadLetters = client.getQueueClient(deadLetterQueueName(queue));
    await deadLetters.create();
    const message = { id: 'm1', body: { a: 1 }, properties: {}, enqueuedTimeUtc: new Date().toISOString() };
    const details = {
      reason: 'MaxDeliveryCountExceeded' as const,
      errorDescription: 'boom',
      deliveryCount: 3,
      deadLetteredTimeUtc: new Date().toISOString(),
      sourceQueue: queue,
      functionName: 'worker',
    };
    await deadLetters.sendMessage(encodeDeadLetter(message, details));
    await deadLetters.sendMessage('not a dead letter');

    const first = await peekDeadLetters(client, queue);
    expect(first).toEqual([{ ...message, deadLetter: details }]);
    expect(await peekDeadLetters(client, queue)).toEqual(first);
  });

  it('rejects a count the queue service cannot peek', async () => {
    await expect(peekDeadLetters(client, 'any', { maxMessages: 33 })).rejects.toThrow(RangeError);
  });
});
