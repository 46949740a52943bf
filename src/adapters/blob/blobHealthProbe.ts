import type { BlobServiceClient } from '@azure/storage-blob';
import type { HealthProbe } from '../../ports/HealthProbe';

/** Lists one container: needs only data-plane read access, as the app's identity has. */
export function blobHealthProbe(name: string, client: BlobServiceClient, essential: boolean): HealthProbe {
  return {
    name,
    essential,
    async check(abortSignal) {
      await client.listContainers().byPage({ maxPageSize: 1 }).next();
      abortSignal.throwIfAborted();
    },
  };
}
