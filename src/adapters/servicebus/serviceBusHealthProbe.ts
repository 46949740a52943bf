import type { ServiceBusClient } from '@azure/service-bus';
import type { HealthProbe } from '../../ports/HealthProbe';

/** Peeks one message: opens a link to the queue with the Listen right the workers need anyway. */
export function serviceBusHealthProbe(client: ServiceBusClient, queueName: string): HealthProbe {
  return {
    name: 'work-queue',
    essential: true,
    async check(abortSignal) {
      const receiver = client.createReceiver(queueName, { receiveMode: 'peekLock' });
      try {
        await receiver.peekMessages(1, { abortSignal });
      } finally {
        await receiver.close();
      }
    },
  };
}
