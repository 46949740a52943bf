/**
 * The "peek-lock" of one received Storage queue message: its visibility timeout, renewed while the
 * handler runs, and the pop receipt that completing or releasing the message needs.
 */
import type { QueueClient } from '@azure/storage-queue';
import { ensureErrorType } from '../domain/errors';

export interface MessageLockOptions {
  visibilityTimeoutInMs: number;
  /** Renewals stop this long after the receive, as the Functions host's `maxAutoLockRenewalDuration`. */
  maxLockRenewalDurationInMs: number;
  /** A renewal failed or the renewal limit was reached: the message may be delivered again meanwhile. */
  onLockLapse(reason: string): void;
}

export class MessageLock {
  private popReceipt: string;
  private timer: NodeJS.Timeout | undefined;
  /** Renewals and the final delete or release run one at a time: each needs the latest pop receipt. */
  private pending: Promise<void> = Promise.resolve();
  private renewing = true;
  private readonly receivedAt = Date.now();

  constructor(
    private readonly queue: QueueClient,
    private readonly messageId: string,
    popReceipt: string,
    private readonly options: MessageLockOptions,
  ) {
    this.popReceipt = popReceipt;
    this.scheduleRenewal();
  }

  /** The handler succeeded or the message was set aside: delete it from the queue. */
  async complete(): Promise<void> {
    this.stopRenewing();
    await this.pending;
    await this.queue.deleteMessage(this.messageId, this.popReceipt);
  }

  /** Make the message visible again at once (the host is stopping and will not handle it). */
  async release(): Promise<void> {
    this.stopRenewing();
    await this.pending;
    await this.queue.updateMessage(this.messageId, this.popReceipt, undefined, 0);
  }

  /** Let the lock lapse: the message reappears when its current visibility timeout ends. */
  stopRenewing(): void {
    this.renewing = false;
    clearTimeout(this.timer);
  }

  private scheduleRenewal(): void {
    const interval = renewalDelayInMs(this.options.visibilityTimeoutInMs);
    this.timer = setTimeout(() => {
      this.pending = this.pending.then(() => this.renew());
    }, interval);
    // A pending renewal must not keep the process alive by itself.
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (!this.renewing) return;
    if (Date.now() - this.receivedAt >= this.options.maxLockRenewalDurationInMs) {
      this.options.onLockLapse(
        `the handler has run past the lock renewal limit of ${this.options.maxLockRenewalDurationInMs} ms`,
      );
      return;
    }
    try {
      const seconds = Math.ceil(this.options.visibilityTimeoutInMs / 1000);
      const response = await this.queue.updateMessage(this.messageId, this.popReceipt, undefined, seconds);
      if (response.popReceipt) this.popReceipt = response.popReceipt;
    } catch (err) {
      // The pop receipt no longer matches (the lock lapsed and another receive took the message) or
      // the message is gone: nothing left to renew.
      this.renewing = false;
      this.options.onLockLapse(`renewing the lock failed: ${ensureErrorType(err).message}`);
      return;
    }
    if (this.renewing) this.scheduleRenewal();
  }
}

/** Service Bus's client keeps at most this much of a lock back for its renewal to land. */
const maxRenewalBufferInMs = 10_000;

/**
 * When to renew a lock of this length, as the Service Bus client the Functions host uses does
 * (`ReceiverManager.CalculateRenewDelay` in Azure.Messaging.ServiceBus): 10 s before it ends, or at
 * half a lock shorter than 20 s. A short lock thus costs a renewal every 10 s of a long handler,
 * and a message whose process died comes back as soon as its lock ends.
 */
export function renewalDelayInMs(lockInMs: number): number {
  return lockInMs - Math.min(lockInMs / 2, maxRenewalBufferInMs);
}
