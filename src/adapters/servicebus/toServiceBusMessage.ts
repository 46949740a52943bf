/** The mapping from the port's work message to a Service Bus message, kept pure so it can be tested here. */
import type { ServiceBusMessage } from '@azure/service-bus';
import type { WorkMessage } from '../../ports/WorkQueue';

/** Service Bus rejects a longer `messageId`. */
export const maxMessageIdLength = 128;

/**
 * The id becomes `messageId`, which duplicate detection keys on (scheduled messages included); the
 * properties become application properties; the body is sent as JSON, which the Functions host
 * hands a Node.js trigger already parsed.
 */
export function toServiceBusMessage(
  message: WorkMessage<unknown>,
  scheduledEnqueueTimeUtc?: Date,
): ServiceBusMessage {
  if (typeof message.id !== 'string' || message.id.length === 0 || message.id.length > maxMessageIdLength) {
    throw new TypeError(
      `A work message id must be 1 to ${maxMessageIdLength} characters; got "${String(message.id)}"`,
    );
  }
  const result: ServiceBusMessage = {
    messageId: message.id,
    body: message.body,
    contentType: 'application/json',
  };
  if (message.properties) result.applicationProperties = { ...message.properties };
  if (scheduledEnqueueTimeUtc) result.scheduledEnqueueTimeUtc = scheduledEnqueueTimeUtc;
  return result;
}

/** When a message sent now with this delay may be delivered; `undefined` means at once. */
export function scheduledEnqueueTimeFor(delayInMs: number | undefined, now: Date): Date | undefined {
  if (delayInMs === undefined || delayInMs === 0) return undefined;
  if (!Number.isFinite(delayInMs) || delayInMs < 0) {
    throw new RangeError(`delayInMs must be a non-negative number; got ${delayInMs}`);
  }
  return new Date(now.getTime() + delayInMs);
}
