/**
 * The work queue over Azure Storage queues: the embedded runtime's backend (Azurite, in the
 * `AzureWebJobsStorage` account). `src/local/queueHost.ts` consumes what this sends.
 *
 * Unlike Service Bus, Storage queues have no duplicate detection: a message sent twice with the same
 * id is delivered twice. Workers are idempotent by design (deterministic ids, forward-only states),
 * so this changes cost, not outcome.
 */
import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { ensureErrorType } from '../../domain/errors';
import type { QueueName } from '../../queueNames';
import type { SendOptions, WorkMessage, WorkQueue } from '../../ports/WorkQueue';
import { encodeEnvelope, maxWorkMessageBytes } from './storageQueueEnvelope';

/** The longest delay a Storage queue can give (visibility timeout on send): 7 days. */
export const maxStorageQueueDelayInMs = 7 * 24 * 60 * 60 * 1000;

/** Service Bus's limit on `messageId`. */
const maxMessageIdLength = 128;

/**
 * Storage queues take one message per request; this many go out at once. A policy's manual points
 * send up to 500 in one call inside a request's deadline: against Azurite on 2 busy cores, 500
 * sends took 1.6 s 16 at a time and 1.3 s 32 at a time, with no gain beyond (both ends are then
 * bound by CPU, not by waiting), so 32.
 */
const sendConcurrency = 32;

/**
 * Messages never expire, as in a Service Bus queue by default; Storage's own default of 7 days
 * would silently drop a message delayed by nearly that long, or one waiting out a long outage.
 */
const neverExpires = -1;

export class StorageWorkQueue implements WorkQueue {
  private readonly queues = new Map<string, Promise<QueueClient>>();

  constructor(private readonly client: QueueServiceClient) {}

  async send<T>(
    queue: QueueName,
    messages: readonly WorkMessage<T>[],
    options: SendOptions = {},
  ): Promise<void> {
    const visibilityTimeout = delayInSeconds(options.delayInMs);
    if (messages.length === 0) return;
    const enqueuedTimeUtc = new Date(Date.now() + visibilityTimeout * 1000).toISOString();
    // Encode (and so validate) every message before sending any: a bad one fails the call up front.
    const texts = messages.map((message) => encodeWorkMessage(message, enqueuedTimeUtc));
    const client = await this.queue(queue);
    options.abortSignal?.throwIfAborted();

    let next = 0;
    let failure: Error | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < texts.length) {
        const text = texts[next++]!;
        try {
          await client.sendMessage(text, {
            visibilityTimeout,
            messageTimeToLive: neverExpires,
            abortSignal: options.abortSignal,
          });
        } catch (err) {
          failure ??= ensureErrorType(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(sendConcurrency, texts.length) }, worker));
    // Messages already sent stay sent, as with Service Bus batches: a retry of the whole call
    // re-sends them, which idempotent workers absorb.
    if (failure !== undefined) throw failure;
  }

  /** The queue's client, creating the queue on first use (once per queue and process). */
  private async queue(name: string): Promise<QueueClient> {
    let pending = this.queues.get(name);
    if (!pending) {
      const client = this.client.getQueueClient(name);
      pending = client.createIfNotExists().then(() => client);
      // A failed creation is forgotten so that the next send tries again.
      void pending.catch(() => this.queues.delete(name));
      this.queues.set(name, pending);
    }
    return await pending;
  }
}

/** Whole seconds, rounded up so that a message is never delivered before its delay has passed. */
function delayInSeconds(delayInMs: number | undefined): number {
  if (delayInMs === undefined) return 0;
  if (!Number.isFinite(delayInMs) || delayInMs < 0 || delayInMs > maxStorageQueueDelayInMs) {
    throw new RangeError(
      `delayInMs must be from 0 to ${maxStorageQueueDelayInMs} (7 days); got ${delayInMs}`,
    );
  }
  return Math.ceil(delayInMs / 1000);
}

function encodeWorkMessage(message: WorkMessage<unknown>, enqueuedTimeUtc: string): string {
  // Service Bus's rule, kept here too so that a message that works locally works in Azure.
  if (typeof message.id !== 'string' || message.id.length === 0 || message.id.length > maxMessageIdLength) {
    throw new TypeError(
      `A work message id must be 1 to ${maxMessageIdLength} characters; got "${String(message.id)}"`,
    );
  }
  // Service Bus turns an undefined body into null; so does this queue.
  const body = message.body === undefined ? null : message.body;
  const text = encodeEnvelope({
    id: message.id,
    body,
    properties: message.properties ?? {},
    enqueuedTimeUtc,
  });
  const size = Buffer.byteLength(text);
  if (size > maxWorkMessageBytes) {
    throw new RangeError(
      `Work message "${message.id}" is ${size} bytes encoded; a Storage queue message takes at most ${maxWorkMessageBytes}`,
    );
  }
  return text;
}
