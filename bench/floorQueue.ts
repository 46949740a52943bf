/**
 * How both floors move their messages, as the product does: sent a page at a time while the queue
 * drains (`sendInPages`), received and handled as the queue host does (`drainQueue`), a failed
 * delivery delivered again up to a count.
 */
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StorageWorkQueue } from '../src/adapters/storage-queue/StorageWorkQueue';
import { ensureErrorType } from '../src/domain/errors';
import type { WorkMessage } from '../src/ports/WorkQueue';
import type { QueueName } from '../src/queueNames';

/** The queue service's limit on one receive, which the queue host uses too. */
const maxReceiveBatch = 32;

export interface DrainInput {
  queue: QueueClient;
  /** How many messages to handle before it returns. */
  messages: number;
  concurrency: number;
  visibilityTimeoutInMs: number;
  minPollIntervalInMs: number;
  maxPollIntervalInMs: number;
  timeoutMs: number;
  /** performance.now() at the start of the floor: times are from there. */
  started: number;
  /** One message's work, its delete included; a throw fails the floor (see `maxDeliveryCount`). */
  handle: (item: DequeuedMessageItem) => Promise<void>;
  /** A failure of the sending side, checked every round. */
  failed: () => Error | undefined;
  /**
   * Deliveries a message gets before its failure fails the floor; 1 (the default) fails it at the
   * first. Above 1, as the product's queue host does, a failed message is left on the queue and
   * delivered again once its visibility timeout ends, so `handle` must then be idempotent.
   */
  maxDeliveryCount?: number;
  /** Told of each failed delivery that will be delivered again. */
  onRedelivery?: (err: Error, item: DequeuedMessageItem) => void;
}

/**
 * Receives and handles `messages` messages as the queue host does: receives of up to 32 while
 * fewer than `concurrency` handlers run, polling an empty queue from the minimum interval, doubling
 * up to the maximum.
 */
export async function drainQueue(
  input: DrainInput,
): Promise<{ wallMs: number; firstMs: number; redeliveries: number }> {
  const { queue, started } = input;
  const visibilityTimeout = Math.ceil(input.visibilityTimeoutInMs / 1000);
  const maxDeliveryCount = input.maxDeliveryCount ?? 1;
  let firstAt: number | undefined;
  // By message id: a delivery that outlives its visibility timeout may finish after the next one.
  const done = new Set<string>();
  let redeliveries = 0;
  let failure: Error | undefined;

  const one = async (item: DequeuedMessageItem): Promise<void> => {
    try {
      await input.handle(item);
    } catch (err) {
      if (item.dequeueCount >= maxDeliveryCount) throw err;
      redeliveries += 1;
      input.onRedelivery?.(ensureErrorType(err), item);
      return;
    }
    done.add(item.messageId);
    firstAt ??= performance.now();
  };

  const inFlight = new Set<Promise<void>>();
  let idleDelay = input.minPollIntervalInMs;
  while (done.size < input.messages) {
    failure ??= input.failed();
    if (failure !== undefined) throw failure;
    if (performance.now() - started > input.timeoutMs) {
      throw new Error(
        `The floor did not finish within ${input.timeoutMs} ms: ${done.size} of ${input.messages} devices done`,
      );
    }
    const free = input.concurrency - inFlight.size;
    if (free <= 0) {
      await Promise.race(inFlight);
      continue;
    }
    const { receivedMessageItems: items } = await queue.receiveMessages({
      numberOfMessages: Math.min(free, maxReceiveBatch),
      visibilityTimeout,
    });
    for (const item of items) {
      const work = one(item).catch((err: unknown) => {
        failure ??= ensureErrorType(err);
      });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    }
    if (items.length > 0) {
      idleDelay = input.minPollIntervalInMs;
      continue;
    }
    if (done.size + inFlight.size >= input.messages && redeliveries === 0) {
      // Everything is received: wait for the rest rather than poll an empty queue (unless a
      // message waits to be delivered again while its stuck first delivery is still in flight).
      if (inFlight.size > 0) await Promise.race(inFlight);
      continue;
    }
    await sleep(idleDelay);
    idleDelay = Math.min(idleDelay * 2, input.maxPollIntervalInMs);
  }
  const wallMs = performance.now() - started;
  if (failure !== undefined) throw failure;
  return { wallMs, firstMs: (firstAt ?? started) - started, redeliveries };
}

/**
 * Sends one message per id, a page at a time, as the product's dispatch does; meant to run while
 * the queue drains. Resolves to the time from `started` to the last send, or 0 after reporting a
 * failure to `failed`.
 */
export async function sendInPages(
  sender: StorageWorkQueue,
  queueName: string,
  ids: readonly string[],
  pageSize: number,
  message: (id: string) => WorkMessage<unknown>,
  started: number,
  failed: (err: Error) => void,
): Promise<number> {
  try {
    for (let start = 0; start < ids.length; start += pageSize) {
      await sender.send(queueName as QueueName, ids.slice(start, start + pageSize).map(message));
    }
    return performance.now() - started;
  } catch (err) {
    failed(ensureErrorType(err));
    return 0;
  }
}
