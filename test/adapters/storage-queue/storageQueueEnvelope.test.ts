import { describe, expect, it } from 'vitest';
import {
  deadLetterQueueName,
  decodeDeadLetteredMessage,
  decodeWorkMessage,
  encodeDeadLetter,
  encodeEnvelope,
  maxStorageQueueMessageBytes,
  maxWorkMessageBytes,
  type DeadLetterDetails,
} from '../../../src/adapters/storage-queue/storageQueueEnvelope';

const details: DeadLetterDetails = {
  reason: 'MaxDeliveryCountExceeded',
  errorDescription: 'boom',
  deliveryCount: 10,
  deadLetteredTimeUtc: '2025-01-01T00:00:00.000Z',
  sourceQueue: 'restore-points',
  functionName: 'restorePointWorker',
};

describe('storageQueueEnvelope', () => {
  const message = {
    id: 'a:b',
    body: { x: ['\uFFFE', '<&>'] },
    properties: { p: 1 },
    enqueuedTimeUtc: '2025-01-01T00:00:00.000Z',
  };

  it('round-trips a work message through base64 JSON, characters XML cannot carry included', () => {
    const text = encodeEnvelope(message);
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeWorkMessage(text)).toEqual(message);
  });

  it('tells a text that is not a work message apart', () => {
    expect(decodeWorkMessage('hello')).toBeUndefined();
    expect(decodeWorkMessage(Buffer.from('{"id":1}').toString('base64'))).toBeUndefined();
    expect(decodeDeadLetteredMessage(encodeEnvelope(message))).toBeUndefined();
  });

  it('keeps the body and details of a dead-lettered message', () => {
    expect(decodeDeadLetteredMessage(encodeDeadLetter(message, details))).toEqual({
      ...message,
      deadLetter: details,
    });
  });

  it('dead-letters the largest message that can be sent, with its body intact', () => {
    const body = 'y'.repeat(Math.floor((maxWorkMessageBytes / 4) * 3 - 200));
    const large = { ...message, body };
    expect(Buffer.byteLength(encodeEnvelope(large))).toBeLessThanOrEqual(maxWorkMessageBytes);
    const text = encodeDeadLetter(large, { ...details, errorDescription: 'e'.repeat(10_000) });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxStorageQueueMessageBytes);
    expect(decodeDeadLetteredMessage(text)?.body).toBe(body);
  });

  it('truncates only the raw text of an oversized malformed message, and says so', () => {
    const raw = 'z'.repeat(maxStorageQueueMessageBytes);
    const text = encodeDeadLetter({ ...message, body: raw }, { ...details, reason: 'MalformedMessage' });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxStorageQueueMessageBytes);
    expect(decodeDeadLetteredMessage(text)?.body).toMatch(/^z+…\[truncated\]$/);
  });

  it('names the dead-letter queue after its queue, within the queue-name limit', () => {
    expect(deadLetterQueueName('restore-points')).toBe('restore-points-deadletter');
    expect(() => deadLetterQueueName('q'.repeat(53))).toThrow(RangeError);
  });
});
