/**
 * The work queue over Azure Service Bus: the production backend, one namespace per region.
 *
 * Delivery is the platform's job, not this adapter's. Each queue worker is a Service Bus trigger
 * (`defineQueueWorker` → `app.serviceBusQueue`), and the Functions host gives it:
 * - at-least-once delivery: the host receives in peek-lock mode and, with `autoCompleteMessages`
 *   (the default), completes the message only when the handler returns; a throw abandons it, so it
 *   is delivered again at once (as is a message whose lock expired, e.g. after a crash);
 * - a delivery count: every delivery increments the message's `deliveryCount`, which the handler
 *   sees in `context.triggerMetadata.deliveryCount`;
 * - dead-lettering: once `deliveryCount` exceeds the queue's `MaxDeliveryCount` (default 10), the
 *   broker moves the message to `<queue>/$DeadLetterQueue` with reason `MaxDeliveryCountExceeded`;
 * - locks of `LockDuration` (default 60 s, at most 5 min) that the host renews while the handler
 *   runs, up to `maxAutoLockRenewalDuration` (host.json: 10 min, its `functionTimeout`, so a
 *   handler still running is never delivered again);
 * - duplicate detection on `messageId` within the queue's window (when the queue enables it).
 * `MaxDeliveryCount`, `LockDuration` and duplicate detection are properties of the queue, set in
 * infra; the embedded runtime's queue host (`src/local/queueHost.ts`) mimics the same behaviour.
 */
import type {
  ServiceBusClient,
  ServiceBusMessage,
  ServiceBusMessageBatch,
  ServiceBusSender,
} from '@azure/service-bus';
import type { SendOptions, WorkMessage, WorkQueue } from '../../ports/WorkQueue';
import type { QueueName } from '../../queueNames';
import type { DependencyGuard } from '../deadlines/DependencyGuards';
import { scheduledEnqueueTimeFor, toServiceBusMessage } from './toServiceBusMessage';

/** The part of the client this adapter uses: lets a test stand in for the broker. */
export type ServiceBusSenderFactory = Pick<ServiceBusClient, 'createSender'>;

/**
 * Batches sent at once on the queue's one link. A batch holds up to 256 KB (1 MB on Premium): a
 * few hundred restore-point messages, so a large send is a handful of batches, not one at a time.
 */
const batchesInFlight = 4;

export class ServiceBusWorkQueue implements WorkQueue {
  /** One sender (one AMQP link) per queue, reused: opening a link per send would cost a round trip each. */
  private readonly senders = new Map<string, ServiceBusSender>();
  private closed = false;

  /**
   * The client belongs to the caller, who closes it after `close()`. With a guard, each send is
   * bounded by its budget and the deadline of the work it serves, and fails at once while the
   * namespace's circuit is open.
   */
  constructor(
    private readonly client: ServiceBusSenderFactory,
    private readonly guard?: DependencyGuard,
  ) {}

  /**
   * Sends in as few batches as the size limit allows, a few at once, so that a policy's hundreds of
   * manual points go out well inside a request's deadline. Every batch is filled before any is
   * sent: a message too large for one fails the call with nothing sent. A delay sets
   * `scheduledEnqueueTimeUtc` on each message, which the broker honours on the ordinary send path,
   * so delayed messages are batched (and duplicate-detected) like the others. Batches already sent
   * stay sent if another fails; a retry re-sends them and duplicate detection drops the repeats.
   */
  async send<T>(
    queue: QueueName,
    messages: readonly WorkMessage<T>[],
    options: SendOptions = {},
  ): Promise<void> {
    if (this.closed) throw new Error('ServiceBusWorkQueue is closed');
    const scheduledEnqueueTimeUtc = scheduledEnqueueTimeFor(options.delayInMs, new Date());
    if (messages.length === 0) return;
    const mapped = messages.map((message) => toServiceBusMessage(message, scheduledEnqueueTimeUtc));
    const sender = this.senderFor(queue);
    if (this.guard)
      await this.guard.call('write', (abortSignal) => this.sendAll(sender, mapped, abortSignal), {
        callerSignal: options.abortSignal,
      });
    else await this.sendAll(sender, mapped, options.abortSignal);
  }

  private async sendAll(
    sender: ServiceBusSender,
    mapped: readonly ServiceBusMessage[],
    abortSignal: SendOptions['abortSignal'],
  ): Promise<void> {
    const batches: ServiceBusMessageBatch[] = [];
    let batch = await sender.createMessageBatch({ abortSignal });
    for (const message of mapped) {
      if (batch.tryAddMessage(message)) continue;
      if (batch.count === 0) throw tooLarge(message, batch);
      batches.push(batch);
      batch = await sender.createMessageBatch({ abortSignal });
      if (!batch.tryAddMessage(message)) throw tooLarge(message, batch);
    }
    if (batch.count > 0) batches.push(batch);
    let next = 0;
    const sendNext = async (): Promise<void> => {
      while (next < batches.length) await sender.sendMessages(batches[next++]!, { abortSignal });
    };
    await Promise.all(Array.from({ length: Math.min(batchesInFlight, batches.length) }, sendNext));
  }

  /** Closes the cached senders; the client stays open for its owner to close. */
  async close(): Promise<void> {
    this.closed = true;
    const senders = [...this.senders.values()];
    this.senders.clear();
    await Promise.all(senders.map((sender) => sender.close()));
  }

  private senderFor(queue: string): ServiceBusSender {
    let sender = this.senders.get(queue);
    if (!sender) {
      sender = this.client.createSender(queue);
      this.senders.set(queue, sender);
    }
    return sender;
  }
}

function tooLarge(message: ServiceBusMessage, batch: ServiceBusMessageBatch): RangeError {
  return new RangeError(
    `Work message "${String(message.messageId)}" does not fit in one Service Bus message (at most ${batch.maxSizeInBytes} bytes)`,
  );
}
