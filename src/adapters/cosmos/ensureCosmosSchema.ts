import type { CosmosClient } from '@azure/cosmos';
import { allContainers, indexingPolicyOf, TimeToLive, type ContainerId } from './containers';

/**
 * Creates the database and containers where they are missing, with the indexing policy infra/
 * declares. Only for the embedded emulator and tests: in Azure they are declared in infra/, and
 * data-plane identities may not create them. The emulator answers every query by scanning, so
 * there the policy is a declaration, kept the same so that what is tested is what is deployed.
 */
export async function ensureCosmosSchema(client: CosmosClient, databaseId: string): Promise<void> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  for (const container of allContainers) {
    const defaultTtl = TimeToLive[container.id as ContainerId];
    await database.containers.createIfNotExists({
      id: container.id,
      partitionKey: { paths: [container.partitionKeyPath] },
      indexingPolicy: indexingPolicyOf(container.id as ContainerId),
      ...(defaultTtl === undefined ? {} : { defaultTtl }),
    });
  }
}
