/** A Cosmos database of a test file's own in the shared emulator, with every container the app uses. */
import type { CosmosClient, Database } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../../src/adapters/cosmos/ensureCosmosSchema';
import { cosmosEmulatorKey } from '../../src/local/localSettings';

export async function openCosmosTestDatabase(
  prefix: string,
): Promise<{ client: CosmosClient; database: Database }> {
  const client = createCosmosClient({
    kind: 'connectionString',
    connectionString: `AccountEndpoint=http://127.0.0.1:${inject('emulators').cosmos}/;AccountKey=${cosmosEmulatorKey}`,
  });
  const databaseId = `${prefix}-${randomUUID()}`;
  await ensureCosmosSchema(client, databaseId);
  return { client, database: client.database(databaseId) };
}
