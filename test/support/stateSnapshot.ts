import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import { allContainers } from '../../src/adapters/cosmos/containers';
import { getConfig } from '../../src/config';

/** Every document of every container in this test's database, to prove a refusal changed nothing. */
export async function stateSnapshot(): Promise<Record<string, unknown[]>> {
  const { cosmos } = getConfig();
  const client = createCosmosClient(cosmos.connection);
  try {
    const snapshot: Record<string, unknown[]> = {};
    for (const spec of allContainers) {
      const { resources } = await client
        .database(cosmos.database)
        .container(spec.id)
        .items.readAll()
        .fetchAll();
      snapshot[spec.id] = resources.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    }
    return snapshot;
  } finally {
    client.dispose();
  }
}
