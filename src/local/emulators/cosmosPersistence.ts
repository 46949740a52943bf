/**
 * The embedded Cosmos emulator keeps data in memory only; these save every database, container and
 * item to one JSON file on a clean stop and load it on start, so `npm start` keeps its state.
 */
import type { CosmosClient, IndexingPolicy, PartitionKeyDefinition } from '@azure/cosmos';
import { readFile, rename, writeFile } from 'node:fs/promises';

/** A container's settings: the ones saved with it, or the ones this version of the code declares. */
export interface ContainerSettings {
  indexingPolicy?: IndexingPolicy;
  defaultTtl?: number;
}

interface ContainerDump extends ContainerSettings {
  id: string;
  partitionKey: PartitionKeyDefinition | undefined;
  items: Record<string, unknown>[];
}

interface DatabaseDump {
  id: string;
  containers: ContainerDump[];
}

const systemProperties = ['_rid', '_self', '_etag', '_attachments', '_ts'];

export async function exportCosmos(client: CosmosClient, file: string): Promise<number> {
  const dump: DatabaseDump[] = [];
  let count = 0;
  const { resources: databases } = await client.databases.readAll().fetchAll();
  for (const database of databases) {
    const containers: ContainerDump[] = [];
    const { resources: definitions } = await client.database(database.id).containers.readAll().fetchAll();
    for (const definition of definitions) {
      const { resources } = await client
        .database(database.id)
        .container(definition.id)
        .items.readAll()
        .fetchAll();
      const items = resources.map((item) => {
        const copy: Record<string, unknown> = { ...item };
        for (const property of systemProperties) delete copy[property];
        return copy;
      });
      count += items.length;
      containers.push({
        id: definition.id,
        partitionKey: definition.partitionKey,
        ...(definition.indexingPolicy ? { indexingPolicy: definition.indexingPolicy } : {}),
        ...(definition.defaultTtl === undefined ? {} : { defaultTtl: definition.defaultTtl }),
        items,
      });
    }
    dump.push({ id: database.id, containers });
  }
  // Written aside and renamed: a crash mid-write leaves the previous export intact.
  await writeFile(`${file}.tmp`, JSON.stringify(dump));
  await rename(`${file}.tmp`, file);
  return count;
}

/**
 * Loads an export. A container gets the settings `declared` gives for it (the running code's: an
 * upgrade may add composite indexes, and the emulator refuses an ORDER BY of several fields without
 * its index), else the ones saved with it. They must be right at creation: the emulator's container
 * replace drops the container's items.
 */
export async function importCosmos(
  client: CosmosClient,
  file: string,
  declared: (containerId: string) => ContainerSettings | undefined = () => undefined,
): Promise<number> {
  let dump: DatabaseDump[];
  try {
    dump = JSON.parse(await readFile(file, 'utf8')) as DatabaseDump[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let count = 0;
  for (const databaseDump of dump) {
    const { database } = await client.databases.createIfNotExists({ id: databaseDump.id });
    for (const containerDump of databaseDump.containers) {
      const { indexingPolicy, defaultTtl } = declared(containerDump.id) ?? containerDump;
      const { container } = await database.containers.createIfNotExists({
        id: containerDump.id,
        ...(containerDump.partitionKey ? { partitionKey: containerDump.partitionKey } : {}),
        ...(indexingPolicy ? { indexingPolicy } : {}),
        ...(defaultTtl === undefined ? {} : { defaultTtl }),
      });
      for (let i = 0; i < containerDump.items.length; i += 100) {
        const chunk = containerDump.items.slice(i, i + 100);
        await Promise.all(chunk.map((item) => container.items.upsert(item)));
      }
      count += containerDump.items.length;
    }
  }
  return count;
}
