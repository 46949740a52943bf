import type { CosmosClient } from '@azure/cosmos';
import type { HealthProbe } from '../../ports/HealthProbe';

/** Reads the database: proves the endpoint answers and the identity may read. */
export function cosmosHealthProbe(client: CosmosClient, databaseId: string): HealthProbe {
  return {
    name: 'state-store',
    essential: true,
    async check(abortSignal) {
      await client.database(databaseId).read({ abortSignal });
    },
  };
}
