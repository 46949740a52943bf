import { describe, expect, it } from 'vitest';
import {
  scheduledEnqueueTimeFor,
  toServiceBusMessage,
} from '../../../src/adapters/servicebus/toServiceBusMessage';

describe('toServiceBusMessage', () => {
  it('maps the id to messageId, the properties to application properties and sends the body as JSON', () => {
    const properties = { tenantId: 't1', wave: 2, urgent: true };
    const message = toServiceBusMessage({ id: 'act1:dev1', body: { deviceId: 'dev1' }, properties });
    expect(message).toEqual({
      messageId: 'act1:dev1',
      body: { deviceId: 'dev1' },
      contentType: 'application/json',
      applicationProperties: properties,
    });
    // A copy: the caller's object is not shared with the SDK.
    expect(message.applicationProperties).not.toBe(properties);
  });

  it('leaves out what the work message does not set', () => {
    const message = toServiceBusMessage({ id: 'a', body: 1 });
    expect(message).not.toHaveProperty('applicationProperties');
    expect(message).not.toHaveProperty('scheduledEnqueueTimeUtc');
  });

  it('sets the scheduled enqueue time when given one', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    expect(toServiceBusMessage({ id: 'a', body: 1 }, at).scheduledEnqueueTimeUtc).toBe(at);
  });

  it('rejects an id Service Bus would reject', () => {
    expect(() => toServiceBusMessage({ id: '', body: 1 })).toThrow(TypeError);
    expect(() => toServiceBusMessage({ id: 'x'.repeat(129), body: 1 })).toThrow(TypeError);
    expect(() => toServiceBusMessage({ id: 'x'.repeat(128), body: 1 })).not.toThrow();
  });
});

describe('scheduledEnqueueTimeFor', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  it('is the delay after now, or nothing without a delay', () => {
    expect(scheduledEnqueueTimeFor(90_000, now)).toEqual(new Date('2030-01-01T00:01:30Z'));
    expect(scheduledEnqueueTimeFor(undefined, now)).toBeUndefined();
    expect(scheduledEnqueueTimeFor(0, now)).toBeUndefined();
  });

  it('rejects a negative or non-finite delay', () => {
    expect(() => scheduledEnqueueTimeFor(-1, now)).toThrow(RangeError);
    expect(() => scheduledEnqueueTimeFor(Number.NaN, now)).toThrow(RangeError);
  });
});
