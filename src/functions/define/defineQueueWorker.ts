import { app, type InvocationContext } from '@azure/functions';
import { withDeadline } from '../../adapters/deadlines/deadlineScope';
import { services } from '../../compositionRoot';
import { SettingNames } from '../../settingNames';
import { register } from '../registry';

export interface QueueWorkerOptions {
  name: string;
  /** One of `QueueNames`: the same name in Service Bus and in the embedded runtime's queues. */
  queueName: string;
  /** Throwing abandons the message: it is delivered again, and dead-lettered after too many tries. */
  handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

/**
 * Defines a queue worker once: a Service Bus trigger in Azure, a work-queue consumer locally. The
 * handler runs under the worker's deadline: each dependency call it makes gets the worker budget,
 * and the message's whole handling `Budgets.workerMessageInMs`, so nothing it waits on outlives the
 * message's lock; a handler stopped by it throws, and the message is delivered again.
 */
export function defineQueueWorker(options: QueueWorkerOptions): void {
  const handler: QueueWorkerOptions['handler'] = (message, context) =>
    withDeadline('worker', services().budgets.workerMessageInMs, () => options.handler(message, context));
  register({ kind: 'queue', ...options, handler });
  app.serviceBusQueue(options.name, {
    connection: SettingNames.serviceBusConnection,
    queueName: options.queueName,
    handler,
  });
}
