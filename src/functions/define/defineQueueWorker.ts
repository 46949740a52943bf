import { app, type InvocationContext } from '@azure/functions';
import { SettingNames } from '../../settingNames';
import { register } from '../registry';

export interface QueueWorkerOptions {
  name: string;
  /** One of `QueueNames`: the same name in Service Bus and in the embedded runtime's queues. */
  queueName: string;
  /** Throwing abandons the message: it is delivered again, and dead-lettered after too many tries. */
  handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

/** Defines a queue worker once: a Service Bus trigger in Azure, a work-queue consumer locally. */
export function defineQueueWorker(options: QueueWorkerOptions): void {
  register({ kind: 'queue', ...options });
  app.serviceBusQueue(options.name, {
    connection: SettingNames.serviceBusConnection,
    queueName: options.queueName,
    handler: options.handler,
  });
}
