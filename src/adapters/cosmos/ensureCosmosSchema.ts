import type { CosmosClient } from '@azure/cosmos';
import { allContainers } from './containers';

/**
 * Creates the database and containers where they are missing. Only for the embedded emulator and
 * tests: in Azure they are declared in infra/, and data-plane identities may not create them.
 */
export async function ensureCosmosSchema(client: CosmosClient, databaseId: string): Promise<void> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  for (const container of allContainers) {
    await database.containers.createIfNotExists({
      id: container.id,
      partitionKey: { paths: [container.partitionKeyPath] },
    });
  }
}
