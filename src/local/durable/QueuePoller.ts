/**
 * Pulls messages from one Storage queue and hands each to a handler, a few at a time. A received
 * message stays hidden while its handler runs (the lease is renewed) and is deleted when the
 * handler succeeds; if the handler throws or the process dies, it reappears after its timeout.
 */
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureErrorType } from '../../domain/errors';
import type { LogHandler } from '../httpHost';
import { renewalDelayInMs } from '../MessageLock';

export interface ReceivedMessage {
  text: string;
  /** 1 on the first delivery. */
  dequeueCount: number;
}

export interface QueuePollerOptions {
  /** For logs. */
  name: string;
  queue: QueueClient;
  concurrency: number;
  pollIntervalInMs: number;
  visibilityTimeoutInSeconds: number;
  handle(message: ReceivedMessage): Promise<void>;
  log: LogHandler;
}

export class QueuePoller {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly leases = new Set<MessageLease>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** Set by `wake`: ends the current wait, or the next one if a receive is on its way. */
  private woken = false;
  private endWait: (() => void) | undefined;

  constructor(private readonly options: QueuePollerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * A message was just sent to the queue by this process: look now instead of after the poll
   * interval, so a chain of steps (a turn, its activity, the next turn) does not wait a poll
   * interval at every hop. Messages sent by others are still found by polling.
   */
  wake(): void {
    this.woken = true;
    this.endWait?.();
  }

  /**
   * Stops receiving at once and waits up to `graceInMs` for handlers still running. Their messages
   * are not deleted if they have not finished by then: another process takes them after the lease.
   */
  async stop(graceInMs: number): Promise<void> {
    this.abort.abort();
    await this.loop;
    const settled = Promise.allSettled([...this.inFlight]).then(() => undefined);
    const timer = sleep(graceInMs, undefined, { ref: false });
    await Promise.race([settled, timer]);
    for (const lease of this.leases) lease.stopRenewing();
  }

  private async run(): Promise<void> {
    const { queue, concurrency, pollIntervalInMs, visibilityTimeoutInSeconds, log, name } = this.options;
    const signal = this.abort.signal;
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    while (!signal.aborted) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race([...this.inFlight, aborted]);
        continue;
      }
      let messages: DequeuedMessageItem[];
      this.woken = false;
      try {
        const response = await queue.receiveMessages({
          numberOfMessages: Math.min(32, free),
          visibilityTimeout: visibilityTimeoutInSeconds,
          abortSignal: signal,
        });
        messages = response.receivedMessageItems;
      } catch (err) {
        if (signal.aborted) break;
        log('warning', name, `Receiving from ${queue.name} failed: ${ensureErrorType(err).message}`);
        messages = [];
      }
      if (messages.length === 0) {
        await this.wait(pollIntervalInMs, aborted);
        continue;
      }
      for (const message of messages) {
        const work = this.process(message).finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      }
    }
  }

  /** The poll interval, cut short by `wake` (including one that came while the receive was out). */
  private async wait(ms: number, aborted: Promise<void>): Promise<void> {
    if (this.woken) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      aborted,
      new Promise<void>((resolve) => {
        this.endWait = resolve;
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
    this.endWait = undefined;
  }

  private async process(message: DequeuedMessageItem): Promise<void> {
    const { queue, log, name, visibilityTimeoutInSeconds } = this.options;
    const lease = new MessageLease(queue, message, visibilityTimeoutInSeconds);
    this.leases.add(lease);
    try {
      await this.options.handle({ text: message.messageText, dequeueCount: message.dequeueCount });
      await lease.complete();
    } catch (err) {
      // Left in the queue: it is delivered again once its visibility timeout ends.
      lease.stopRenewing();
      log(
        'error',
        name,
        `Message ${message.messageId} failed (delivery ${message.dequeueCount}): ${ensureErrorType(err).stack ?? String(err)}`,
      );
    } finally {
      this.leases.delete(lease);
    }
  }
}

/** Keeps a received message hidden while it is handled; each renewal gives a new pop receipt. */
class MessageLease {
  private popReceipt: string;
  private readonly timer: NodeJS.Timeout;
  /** Renewals and the final delete run one after another: each needs the latest pop receipt. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: QueueClient,
    private readonly message: DequeuedMessageItem,
    visibilityTimeoutInSeconds: number,
  ) {
    this.popReceipt = message.popReceipt;
    // As the work queues' locks: renewed well before they end, so a short one holds while work runs.
    this.timer = setInterval(
      () => {
        this.chain = this.chain.then(() => this.renew(visibilityTimeoutInSeconds));
      },
      renewalDelayInMs(visibilityTimeoutInSeconds * 1000),
    );
    this.timer.unref();
  }

  async complete(): Promise<void> {
    this.stopRenewing();
    await this.chain;
    await this.queue.deleteMessage(this.message.messageId, this.popReceipt);
  }

  stopRenewing(): void {
    clearInterval(this.timer);
  }

  private async renew(visibilityTimeoutInSeconds: number): Promise<void> {
    try {
      const response = await this.queue.updateMessage(
        this.message.messageId,
        this.popReceipt,
        undefined,
        visibilityTimeoutInSeconds,
      );
      if (response.popReceipt) this.popReceipt = response.popReceipt;
    } catch {
      // The lease lapsed (the message was taken by another receiver): the final delete will fail
      // and the message is handled again, which at-least-once allows.
    }
  }
}
