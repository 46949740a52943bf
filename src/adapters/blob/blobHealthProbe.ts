import type { BlobServiceClient } from '@azure/storage-blob';
import type { HealthProbe } from '../../ports/HealthProbe';

/** Lists one container: needs only data-plane read access, as the app's identity has. */
export function blobHealthProbe(name: string, client: BlobServiceClient, essential: boolean): HealthProbe {
  return {
    name,
    essential,
    async check(abortSignal) {
      // The signal ends the call itself (and frees the circuit's probe slot), not just the wait.
      await client.listContainers({ abortSignal }).byPage({ maxPageSize: 1 }).next();
      abortSignal.throwIfAborted();
    },
  };
}
