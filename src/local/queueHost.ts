/**
 * Runs the registered queue workers over Storage queues with the behaviour the Functions host's
 * Service Bus trigger gives them in Azure: peek-lock with renewal, at-least-once delivery, a
 * delivery count, and dead-lettering after `maxDeliveryCount` failed deliveries.
 */
import { InvocationContext } from '@azure/functions';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createQueueServiceClient } from '../adapters/storage-queue/createQueueServiceClient';
import {
  deadLetterQueueName,
  decodeWorkMessage,
  encodeDeadLetter,
  type DeadLetterDetails,
  type StoredWorkMessage,
} from '../adapters/storage-queue/storageQueueEnvelope';
import type { Connection } from '../config';
import { ensureErrorType } from '../domain/errors';
import type { QueueFunction } from '../functions/registry';
import type { LogHandler } from './httpHost';
import { MessageLock } from './MessageLock';

/** A queue worker as the registry records it (`kind` aside, so tests can pass their own). */
export type QueueWorker = Pick<QueueFunction, 'name' | 'queueName' | 'handler'>;

export interface QueueHostOptions {
  /** Deliveries before a failing message is dead-lettered; Service Bus's `MaxDeliveryCount`. Default 10. */
  maxDeliveryCount?: number;
  /** Handlers running at once, per queue; the host's `maxConcurrentCalls`. Default 16. */
  maxConcurrentCalls?: number;
  /**
   * The lock: how long a received message stays hidden from other receives, renewed while its
   * handler runs. A failed message reappears once it ends, and so does one whose process died: a
   * short lock is what lets a restarted control plane take such work again within seconds instead
   * of waiting out a long one. Whole seconds, at least 1 (Storage's unit). Default 20 s, the
   * `device-recovery` queue's lock duration in Azure (infra/modules/controlPlane.bicep).
   */
  visibilityTimeoutInMs?: number;
  /**
   * How long the lock is renewed while a handler runs (default 10 min, host.json's
   * `maxAutoLockRenewalDuration` and `functionTimeout`). A handler running longer may see its
   * message delivered again while it still runs; handlers are meant to be short (start–record–check).
   */
  maxLockRenewalDurationInMs?: number;
  /** Polling an empty queue backs off from the minimum, doubling up to the maximum. Defaults 100 ms and 2 s. */
  minPollIntervalInMs?: number;
  maxPollIntervalInMs?: number;
}

export interface StartQueueHostInit {
  /** The account holding the queues: `AzureWebJobsStorage` (config `workQueue.connection`). */
  connection: Connection;
  functions: readonly QueueWorker[];
  options?: QueueHostOptions;
  log?: LogHandler;
}

export interface QueueHost {
  /** Stops receiving at once, then waits for the handlers already running to finish. */
  stop(): Promise<void>;
}

type Settings = Required<QueueHostOptions>;

/** The lock of a received message when none is given: as the `device-recovery` queue's in Azure. */
export const defaultQueueHostLockInMs = 20_000;

const defaults: Settings = {
  maxDeliveryCount: 10,
  maxConcurrentCalls: 16,
  visibilityTimeoutInMs: defaultQueueHostLockInMs,
  maxLockRenewalDurationInMs: 10 * 60_000,
  minPollIntervalInMs: 100,
  maxPollIntervalInMs: 2_000,
};

/** A receive returns at most this many messages (the queue service's limit). */
const maxReceiveBatch = 32;

/** Creates every queue and its dead-letter queue, then starts one consumer per worker. */
export async function startQueueHost(init: StartQueueHostInit): Promise<QueueHost> {
  const settings = validate({ ...defaults, ...definedOnly(init.options ?? {}) });
  const log = init.log ?? (() => undefined);
  const client = createQueueServiceClient(init.connection);
  const consumers = await Promise.all(
    init.functions.map(async (worker) => {
      const queue = client.getQueueClient(worker.queueName);
      const deadLetters = client.getQueueClient(deadLetterQueueName(worker.queueName));
      await Promise.all([queue.createIfNotExists(), deadLetters.createIfNotExists()]);
      return { worker, queue, deadLetters };
    }),
  );
  const running = consumers.map(({ worker, queue, deadLetters }) =>
    startConsumer(worker, queue, deadLetters, settings, log),
  );
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= Promise.all(running.map((consumer) => consumer.stop())).then(() => undefined);
      return stopped;
    },
  };
}

function startConsumer(
  worker: QueueWorker,
  queue: QueueClient,
  deadLetters: QueueClient,
  settings: Settings,
  log: LogHandler,
): QueueHost {
  const stopping = new AbortController();
  const stopRequested = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const inFlight = new Set<Promise<void>>();
  const visibilityTimeout = Math.ceil(settings.visibilityTimeoutInMs / 1000);

  const track = (item: DequeuedMessageItem): void => {
    const delivery = deliver(item).catch((err) =>
      // Whatever failed (a delete, a dead-letter send), the message reappears after its lock: at least once.
      log(
        'error',
        worker.name,
        `Message ${item.messageId} on "${worker.queueName}": ${ensureErrorType(err).message}`,
      ),
    );
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  const deliver = async (item: DequeuedMessageItem): Promise<void> => {
    const lock = new MessageLock(queue, item.messageId, item.popReceipt, {
      visibilityTimeoutInMs: visibilityTimeout * 1000,
      maxLockRenewalDurationInMs: settings.maxLockRenewalDurationInMs,
      onLockLapse: (reason) =>
        log(
          'warning',
          worker.name,
          `Lock on message ${item.messageId} lapsed (${reason}); it may be delivered again`,
        ),
    });
    try {
      await handle(item, lock);
    } finally {
      // Whatever happened, a lock nobody will complete must not be kept alive.
      lock.stopRenewing();
    }
  };

  const handle = async (item: DequeuedMessageItem, lock: MessageLock): Promise<void> => {
    const deliveryCount = item.dequeueCount;
    const message = decodeWorkMessage(item.messageText);
    if (!message) {
      // It can never be handled; retrying would only delay the inevitable.
      const raw = {
        id: item.messageId,
        body: item.messageText,
        properties: {},
        enqueuedTimeUtc: item.insertedOn.toISOString(),
      };
      await deadLetter(
        lock,
        raw,
        'MalformedMessage',
        'The message is not a base64 JSON work message',
        deliveryCount,
      );
      return;
    }
    if (deliveryCount > settings.maxDeliveryCount) {
      // Earlier deliveries ended without an outcome (a crash, a lapsed lock): the count is spent.
      await deadLetter(
        lock,
        message,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${deliveryCount - 1} delivery attempts.`,
        deliveryCount,
      );
      return;
    }
    const context = new InvocationContext({
      functionName: worker.name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => log(level, worker.name, args.map(String).join(' ')),
      // The fields the Service Bus trigger's metadata carries under the same names.
      triggerMetadata: {
        messageId: message.id,
        deliveryCount,
        applicationProperties: message.properties,
        enqueuedTimeUtc: message.enqueuedTimeUtc,
      },
      options: { trigger: { type: 'serviceBusTrigger', name: 'message', queueName: worker.queueName } },
    });
    try {
      await worker.handler(message.body, context);
    } catch (err) {
      const error = ensureErrorType(err);
      if (deliveryCount >= settings.maxDeliveryCount) {
        const description = `Message could not be consumed after ${deliveryCount} delivery attempts. Last error: ${error.message}`;
        await deadLetter(lock, message, 'MaxDeliveryCountExceeded', description, deliveryCount);
        return;
      }
      // Abandoned by letting the lock lapse: it reappears when the visibility timeout ends.
      lock.stopRenewing();
      log(
        'warning',
        worker.name,
        `Message ${message.id} failed on delivery ${deliveryCount} of ${settings.maxDeliveryCount}: ${error.message}`,
      );
      return;
    }
    await lock.complete();
  };

  const deadLetter = async (
    lock: MessageLock,
    message: StoredWorkMessage,
    reason: DeadLetterDetails['reason'],
    errorDescription: string,
    deliveryCount: number,
  ): Promise<void> => {
    const details: DeadLetterDetails = {
      reason,
      errorDescription,
      deliveryCount,
      deadLetteredTimeUtc: new Date().toISOString(),
      sourceQueue: worker.queueName,
      functionName: worker.name,
    };
    // Copy first, then delete: a failure between the two leaves a duplicate, never a loss.
    await deadLetters.sendMessage(encodeDeadLetter(message, details), { messageTimeToLive: -1 });
    await lock.complete();
    log(
      'error',
      worker.name,
      `Message ${message.id} dead-lettered to "${deadLetters.name}": ${reason}: ${errorDescription}`,
    );
  };

  const receive = async (count: number): Promise<DequeuedMessageItem[]> => {
    try {
      const response = await queue.receiveMessages({
        numberOfMessages: count,
        visibilityTimeout,
        abortSignal: stopping.signal,
      });
      return response.receivedMessageItems;
    } catch (err) {
      // An abort on stop is expected; a message it may have hidden reappears after one lock.
      if (!stopping.signal.aborted)
        log(
          'error',
          worker.name,
          `Receiving from "${worker.queueName}" failed: ${ensureErrorType(err).message}`,
        );
      return [];
    }
  };

  const run = async (): Promise<void> => {
    let idleDelay = settings.minPollIntervalInMs;
    while (!stopping.signal.aborted) {
      const free = settings.maxConcurrentCalls - inFlight.size;
      if (free <= 0) {
        await Promise.race([...inFlight, stopRequested]);
        continue;
      }
      const items = await receive(Math.min(free, maxReceiveBatch));
      if (stopping.signal.aborted) {
        // Received as the host stopped: hand them straight back rather than hide them for a lock.
        await Promise.all(items.map((item) => releaseQuietly(queue, item)));
        break;
      }
      for (const item of items) track(item);
      if (items.length > 0) {
        idleDelay = settings.minPollIntervalInMs;
        continue;
      }
      await sleep(idleDelay, undefined, { signal: stopping.signal }).catch(() => undefined);
      idleDelay = Math.min(idleDelay * 2, settings.maxPollIntervalInMs);
    }
  };

  const loop = run();
  return {
    async stop() {
      stopping.abort();
      await loop;
      await Promise.all(inFlight);
    },
  };
}

async function releaseQuietly(queue: QueueClient, item: DequeuedMessageItem): Promise<void> {
  try {
    await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
  } catch {
    // It reappears after its visibility timeout anyway.
  }
}

function validate(settings: Settings): Settings {
  const wholeAtLeast = (name: keyof Settings, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const value = settings[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be a whole number from ${min} to ${max}; got ${value}`);
    }
  };
  wholeAtLeast('maxDeliveryCount', 1);
  wholeAtLeast('maxConcurrentCalls', 1);
  wholeAtLeast('visibilityTimeoutInMs', 1_000, 7 * 24 * 60 * 60 * 1000);
  wholeAtLeast('maxLockRenewalDurationInMs', 0);
  wholeAtLeast('minPollIntervalInMs', 1);
  wholeAtLeast('maxPollIntervalInMs', settings.minPollIntervalInMs);
  return settings;
}

/** Drops `undefined` values, so that `{ maxDeliveryCount: undefined }` keeps the default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
