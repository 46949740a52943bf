/**
 * `npm start` keeps its Cosmos data across a restart through an export file. The containers must
 * come back with their indexes: the emulator, as Cosmos DB, refuses an ORDER BY of several fields
 * without its composite index (a tenant's licence change ran one and failed after every restart).
 */
import type { CosmosClient } from '@azure/cosmos';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexingPolicyOf, TimeToLive } from '../../../src/adapters/cosmos/containers';
import { createCosmosClient } from '../../../src/adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../../../src/adapters/cosmos/ensureCosmosSchema';
import { exportCosmos, importCosmos } from '../../../src/local/emulators/cosmosPersistence';
import { startCosmosEmulator, type CosmosEmulator } from '../../../src/local/emulators/startCosmosEmulator';
import { cosmosEmulatorKey } from '../../../src/local/localSettings';

const query = "SELECT * FROM c WHERE c.type = 'device' ORDER BY c.type, c.licensed, c.createdAt";
const device = {
  id: 'd1',
  tenantId: 't',
  type: 'device',
  licensed: false,
  createdAt: '2026-12-07T00:00:00Z',
};

async function emulatorWithClient(): Promise<{ emulator: CosmosEmulator; client: CosmosClient }> {
  const emulator = await startCosmosEmulator(0);
  const client = createCosmosClient({
    kind: 'connectionString',
    connectionString: `AccountEndpoint=http://127.0.0.1:${emulator.port}/;AccountKey=${cosmosEmulatorKey}`,
  });
  return { emulator, client };
}

describe('the Cosmos emulator’s export across a restart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosmos-export-'));
  });
  afterAll(async () => await rm(dir, { recursive: true, force: true }));

  async function restarted(
    file: string,
    declared = false,
  ): Promise<CosmosClient & { stop(): Promise<void> }> {
    const { emulator, client } = await emulatorWithClient();
    await importCosmos(
      client,
      file,
      declared
        ? (id) =>
            id === 'devices' ? { indexingPolicy: indexingPolicyOf('devices'), defaultTtl: -1 } : undefined
        : undefined,
    );
    return Object.assign(client, {
      async stop() {
        client.dispose();
        await emulator.close();
      },
    });
  }

  it('saves each container’s indexes and time to live, and brings them back with the items', async () => {
    const { emulator, client } = await emulatorWithClient();
    await ensureCosmosSchema(client, 'app');
    await client.database('app').container('devices').items.upsert(device);
    const file = join(dir, 'saved.json');
    await exportCosmos(client, file);
    client.dispose();
    await emulator.close();

    const again = await restarted(file);
    try {
      const container = again.database('app').container('devices');
      const { resources } = await container.items.query(query).fetchAll();
      expect(resources.map((d: { id: string }) => d.id)).toEqual(['d1']);
      const { resource } = await container.read();
      expect(resource?.indexingPolicy?.compositeIndexes).toEqual(
        indexingPolicyOf('devices').compositeIndexes,
      );
      expect(resource?.defaultTtl).toBe(TimeToLive.devices);
    } finally {
      await again.stop();
    }
  });

  it('gives an export saved without indexes (an older version’s) the ones the running code declares', async () => {
    const file = join(dir, 'old.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          id: 'app',
          containers: [{ id: 'devices', partitionKey: { paths: ['/tenantId'] }, items: [device] }],
        },
      ]),
    );
    const bare = await restarted(file);
    try {
      // Without the declared settings: what the export held, and the refusal this fixes.
      await expect(bare.database('app').container('devices').items.query(query).fetchAll()).rejects.toThrow(
        /composite index/,
      );
    } finally {
      await bare.stop();
    }
    const declared = await restarted(file, true);
    try {
      const { resources } = await declared.database('app').container('devices').items.query(query).fetchAll();
      expect(resources).toHaveLength(1);
      expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(1);
    } finally {
      await declared.stop();
    }
  });
});
