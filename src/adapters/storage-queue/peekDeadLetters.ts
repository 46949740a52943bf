/**
 * Reads the poison messages the embedded runtime's queue host set aside, without removing them:
 * what a report shows as "messages that failed every delivery".
 */
import type { QueueServiceClient } from '@azure/storage-queue';
import {
  deadLetterQueueName,
  decodeDeadLetteredMessage,
  type DeadLetteredWorkMessage,
} from './storageQueueEnvelope';

export interface PeekDeadLettersOptions {
  /** 1 to 32 (the queue service's limit on one peek); default 32. */
  maxMessages?: number;
  abortSignal?: AbortSignal;
}

/**
 * The oldest dead-lettered messages of `queueName`, oldest first. A peek sees at most 32 messages
 * and cannot page past them; none are hidden or changed by it.
 */
export async function peekDeadLetters(
  client: QueueServiceClient,
  queueName: string,
  options: PeekDeadLettersOptions = {},
): Promise<DeadLetteredWorkMessage[]> {
  const maxMessages = options.maxMessages ?? 32;
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > 32) {
    throw new RangeError(`maxMessages must be a whole number from 1 to 32; got ${maxMessages}`);
  }
  const queue = client.getQueueClient(deadLetterQueueName(queueName));
  try {
    const response = await queue.peekMessages({
      numberOfMessages: maxMessages,
      abortSignal: options.abortSignal,
    });
    return response.peekedMessageItems
      .map((item) => decodeDeadLetteredMessage(item.messageText))
      .filter((message): message is DeadLetteredWorkMessage => message !== undefined);
  } catch (err) {
    // No dead-letter queue yet means nothing has ever been dead-lettered.
    if ((err as { statusCode?: number }).statusCode === 404) return [];
    throw err;
  }
}
