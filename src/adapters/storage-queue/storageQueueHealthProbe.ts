import type { QueueServiceClient } from '@azure/storage-queue';
import type { HealthProbe } from '../../ports/HealthProbe';

export function storageQueueHealthProbe(client: QueueServiceClient): HealthProbe {
  return {
    name: 'work-queue',
    essential: true,
    async check(abortSignal) {
      await client.listQueues({ abortSignal }).byPage({ maxPageSize: 1 }).next();
      abortSignal.throwIfAborted();
    },
  };
}
