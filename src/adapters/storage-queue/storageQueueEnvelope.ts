/**
 * How a work message is stored in an Azure Storage queue, shared by the sender (`StorageWorkQueue`)
 * and the embedded runtime's consumer: JSON of the message, always base64-encoded.
 */

/** A work message as stored: what the Service Bus message carries in its body and system properties. */
export interface StoredWorkMessage {
  id: string;
  body: unknown;
  properties: Record<string, string | number | boolean>;
  /** When the message became (or becomes) deliverable: send time plus any delay, as Service Bus reports it. */
  enqueuedTimeUtc: string;
}

/** Why a message left its queue, in Service Bus's own terms (`deadLetterReason` and its description). */
export interface DeadLetterDetails {
  reason: 'MaxDeliveryCountExceeded' | 'MalformedMessage';
  errorDescription: string;
  deliveryCount: number;
  deadLetteredTimeUtc: string;
  /** The queue the message came from and the function that gave up on it. */
  sourceQueue: string;
  functionName: string;
}

export interface DeadLetteredWorkMessage extends StoredWorkMessage {
  deadLetter: DeadLetterDetails;
}

/** Azure Storage's limit on one queue message, counted on the (base64) text. */
export const maxStorageQueueMessageBytes = 64 * 1024;

/**
 * Room kept free in every work message for the dead-letter details, so that any message that could
 * be sent can also be dead-lettered with its body intact.
 */
export const deadLetterReserveBytes = 2 * 1024;

/** The largest work message `StorageWorkQueue` sends, counted on the encoded text. */
export const maxWorkMessageBytes = maxStorageQueueMessageBytes - deadLetterReserveBytes;

/** The longest error description kept with a dead-lettered message (characters). */
const maxErrorDescriptionLength = 512;

/**
 * Poison messages of `queueName` go to `<queueName>-deadletter`, the local counterpart of Service
 * Bus's `<queue>/$DeadLetterQueue`.
 */
export function deadLetterQueueName(queueName: string): string {
  const name = `${queueName}-deadletter`;
  // Storage queue names stop at 63 characters; a silent truncation could merge two queues' poison.
  if (name.length > 63)
    throw new RangeError(
      `Queue name "${queueName}" is too long to have a dead-letter queue (max 52 characters)`,
    );
  return name;
}

/**
 * Base64 rather than plain text: the queue service takes XML, and JSON may carry characters XML 1.0
 * cannot (U+FFFE, U+FFFF); base64 is also what the Functions host's storage trigger expects by default.
 */
export function encodeEnvelope(value: StoredWorkMessage | DeadLetteredWorkMessage): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** The stored message, or `undefined` when the text is not a work message this format wrote. */
export function decodeWorkMessage(messageText: string): StoredWorkMessage | undefined {
  const parsed = parseEnvelope(messageText);
  return parsed && toWorkMessage(parsed);
}

/** A dead-lettered message, or `undefined` when the text is not one. */
export function decodeDeadLetteredMessage(messageText: string): DeadLetteredWorkMessage | undefined {
  const parsed = parseEnvelope(messageText);
  const message = parsed && toWorkMessage(parsed);
  const details = parsed?.deadLetter;
  if (!message || !isRecord(details) || typeof details.reason !== 'string') return undefined;
  return { ...message, deadLetter: details as unknown as DeadLetterDetails };
}

/**
 * Encodes a dead-lettered message within the size limit: the description is shortened first, and
 * only a malformed message's raw text (which had no reserve) is ever cut, marked as truncated.
 */
export function encodeDeadLetter(message: StoredWorkMessage, details: DeadLetterDetails): string {
  let description = details.errorDescription.slice(0, maxErrorDescriptionLength);
  const raw = typeof message.body === 'string' ? message.body : undefined;
  let keep = raw?.length ?? 0;
  let body = message.body;
  for (;;) {
    const text = encodeEnvelope({
      ...message,
      body,
      deadLetter: { ...details, errorDescription: description },
    });
    if (Buffer.byteLength(text) <= maxStorageQueueMessageBytes) return text;
    if (description.length > 0) {
      description = description.slice(0, Math.floor(description.length / 2));
    } else if (raw !== undefined && keep > 0) {
      keep = Math.floor(keep * 0.7);
      body = `${raw.slice(0, keep)}…[truncated]`;
    } else {
      throw new RangeError(`Message "${message.id}" is too large to dead-letter`);
    }
  }
}

function parseEnvelope(messageText: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(messageText, 'base64').toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function toWorkMessage(parsed: Record<string, unknown>): StoredWorkMessage | undefined {
  const { id, body, properties, enqueuedTimeUtc } = parsed;
  if (typeof id !== 'string' || !('body' in parsed)) return undefined;
  if (typeof enqueuedTimeUtc !== 'string' || !isRecord(properties)) return undefined;
  return { id, body, properties: properties as StoredWorkMessage['properties'], enqueuedTimeUtc };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
