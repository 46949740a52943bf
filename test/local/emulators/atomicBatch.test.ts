import type { Container, CosmosClient, OperationInput } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCosmosClient } from '../../../src/adapters/cosmos/createCosmosClient';
import { cosmosEmulatorKey } from '../../../src/local/localSettings';
import { startCosmosEmulator, type CosmosEmulator } from '../../../src/local/emulators/startCosmosEmulator';

let emulator: CosmosEmulator;
let client: CosmosClient;
let containers = 0;

beforeAll(async () => {
  emulator = await startCosmosEmulator(0);
  client = createCosmosClient({
    kind: 'connectionString',
    connectionString: `AccountEndpoint=http://127.0.0.1:${emulator.port}/;AccountKey=${cosmosEmulatorKey}`,
  });
});
afterAll(async () => {
  client.dispose();
  await emulator.close();
});

/** A container of its own for each suite, partitioned by tenant as the app's are. */
async function newContainer(): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: 'db' });
  containers += 1;
  const { container } = await database.containers.createIfNotExists({
    id: `c${containers}`,
    partitionKey: { paths: ['/tenantId'] },
  });
  return container;
}

describe('the embedded Cosmos emulator: transactional batch', () => {
  let container: Container;
  const pk = 'tenant-1';

  beforeAll(async () => {
    container = await newContainer();
    await container.items.create({ id: 'counter', tenantId: pk, used: 0 });
  });

  it('applies Create and conditional Patch together', async () => {
    const id = randomUUID();
    const response = await container.items.batch(
      [
        { operationType: 'Create', resourceBody: { id, tenantId: pk } },
        {
          operationType: 'Patch',
          id: 'counter',
          resourceBody: {
            operations: [{ op: 'incr', path: '/used', value: 1 }],
            condition: 'from c where c.used < 5',
          },
        },
      ] as OperationInput[],
      pk,
    );
    expect(response.result?.map((r) => r.statusCode)).toEqual([201, 200]);
    expect((await container.item(id, pk).read()).statusCode).toBe(200);
  });

  it('is all or nothing: a failed condition undoes the operations before it, keeping their ETags', async () => {
    const before = (await container.item('counter', pk).read()).resource;
    const id = randomUUID();
    const response = await container.items.batch(
      [
        { operationType: 'Create', resourceBody: { id, tenantId: pk } },
        {
          operationType: 'Patch',
          id: 'counter',
          resourceBody: { operations: [{ op: 'incr', path: '/used', value: 1 }] },
        },
        {
          operationType: 'Patch',
          id: 'counter',
          resourceBody: {
            operations: [{ op: 'incr', path: '/used', value: 1 }],
            condition: 'from c where c.used < 0',
          },
        },
      ] as OperationInput[],
      pk,
    );
    expect(response.result?.map((r) => r.statusCode)).toEqual([424, 424, 412]);
    expect((await container.item(id, pk).read()).statusCode).toBe(404);
    const after = (await container.item('counter', pk).read()).resource;
    expect(after.used).toBe(before.used);
    expect(after._etag).toBe(before._etag);
  });

  it('undoes a replace and a delete when a later create conflicts', async () => {
    const a = randomUUID();
    await container.items.create({ id: a, tenantId: pk, v: 1 });
    const original = (await container.item(a, pk).read()).resource;
    const response = await container.items.batch(
      [
        { operationType: 'Replace', id: a, resourceBody: { id: a, tenantId: pk, v: 2 } },
        { operationType: 'Delete', id: a },
        { operationType: 'Create', resourceBody: { id: 'counter', tenantId: pk } },
      ] as OperationInput[],
      pk,
    );
    expect(response.result?.[2]?.statusCode).toBe(409);
    const restored = (await container.item(a, pk).read()).resource;
    expect(restored).toEqual(original);
    expect(
      (
        await container
          .item(a, pk)
          .replace(
            { id: a, tenantId: pk, v: 3 },
            { accessCondition: { type: 'IfMatch', condition: original._etag } },
          )
      ).statusCode,
    ).toBe(200);
  });
});

describe('the embedded Cosmos emulator: conditional patch', () => {
  let container: Container;

  beforeAll(async () => {
    container = await newContainer();
    await container.items.create({ id: 'device', tenantId: 't', nextDueAtMs: 100, lastVerifiedAtMs: null });
  });

  it('evaluates conditions on camelCase properties, alone and in a batch', async () => {
    await container.item('device', 't').patch({
      operations: [{ op: 'set', path: '/nextDueAtMs', value: 200 }],
      condition: 'from c where c.nextDueAtMs = 100',
    });
    await expect(
      container.item('device', 't').patch({
        operations: [{ op: 'set', path: '/nextDueAtMs', value: 300 }],
        condition: 'from c where c.nextDueAtMs = 100',
      }),
    ).rejects.toMatchObject({ code: 412 });
    const batch = await container.items.batch(
      [
        {
          operationType: 'Patch',
          id: 'device',
          resourceBody: {
            operations: [{ op: 'set', path: '/lastVerifiedAtMs', value: 5 }],
            condition: 'from c where IS_NULL(c.lastVerifiedAtMs)',
          },
        },
      ] as OperationInput[],
      't',
    );
    expect(batch.result?.[0]?.statusCode).toBe(200);
    expect((await container.item('device', 't').read()).resource).toMatchObject({
      nextDueAtMs: 200,
      lastVerifiedAtMs: 5,
    });
  });
});

describe('the embedded Cosmos emulator: partitions', () => {
  let container: Container;

  beforeAll(async () => {
    container = await newContainer();
    await container.items.create({ id: 'counter', tenantId: 'a', used: 5 });
    await container.items.create({ id: 'counter', tenantId: 'b', used: 0 });
  });

  it("checks a patch condition against the document of the request's partition only", async () => {
    await expect(
      container.item('counter', 'a').patch({
        operations: [{ op: 'incr', path: '/used', value: 1 }],
        condition: 'from c where c.used < 5',
      }),
    ).rejects.toMatchObject({ code: 412 });
    await container
      .item('counter', 'b')
      .patch({ operations: [{ op: 'incr', path: '/used', value: 1 }], condition: 'from c where c.used < 5' });
    expect((await container.item('counter', 'a').read()).resource.used).toBe(5);
    expect((await container.item('counter', 'b').read()).resource.used).toBe(1);
  });
});
