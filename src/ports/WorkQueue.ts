import type { QueueName } from '../queueNames';

/** One unit of per-device work. */
export interface WorkMessage<T = unknown> {
  /**
   * Deterministic id (e.g. `activationId:deviceId:attempt`): Service Bus drops a second message
   * with the same id inside its duplicate-detection window, scheduled messages included.
   */
  id: string;
  body: T;
  /** Small metadata a worker or an operator can filter on without parsing the body. */
  properties?: Record<string, string | number | boolean>;
}

export interface SendOptions {
  /** Deliver no earlier than this many milliseconds from now (back-off, scheduled checks). */
  delayInMs?: number;
  abortSignal?: AbortSignal;
}

/** The sending side of the per-device fan-out. Delivery is at least once: workers are idempotent. */
export interface WorkQueue {
  /**
   * Sends the messages as a batch, as fast as the backend allows (Service Bus: size-limited
   * batches, a few at once; Storage queues: one request a message, many at once). Not atomic: a
   * send that fails may have sent some of them, so a caller makes a retry of the whole list safe
   * (deterministic ids, idempotent workers), never assumes a failure sent nothing.
   */
  send<T>(queue: QueueName, messages: readonly WorkMessage<T>[], options?: SendOptions): Promise<void>;
}
