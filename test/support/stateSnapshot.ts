import type { CosmosClient } from '@azure/cosmos';
import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import { allContainers } from '../../src/adapters/cosmos/containers';
import { getConfig } from '../../src/config';

/**
 * Every document of every container in this test's database, to prove a refusal changed nothing.
 * Pass a client to reuse one across many snapshots (the fuzz suite takes one per request).
 */
export async function stateSnapshot(client?: CosmosClient): Promise<Record<string, unknown[]>> {
  const { cosmos } = getConfig();
  const reader = client ?? createCosmosClient(cosmos.connection);
  try {
    const entries = await Promise.all(
      allContainers.map(async (spec) => {
        const { resources } = await reader
          .database(cosmos.database)
          .container(spec.id)
          .items.readAll()
          .fetchAll();
        return [spec.id, resources.sort((a, b) => String(a.id).localeCompare(String(b.id)))] as const;
      }),
    );
    return Object.fromEntries(entries);
  } finally {
    if (!client) reader.dispose();
  }
}
