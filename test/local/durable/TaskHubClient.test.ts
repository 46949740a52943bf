/**
 * The embedded orchestration client starts an instance id as the Durable extension does with
 * `overridableExistingInstanceStates: NonRunningStates`: concurrent starts of one id make one
 * instance, a pending or running instance is left as it is, a finished one is started again once.
 * Against the task hub's real table and queues in Azurite.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openTaskHub, type TaskHub } from '../../../src/local/durable/openTaskHub';
import { TaskHubClient } from '../../../src/local/durable/TaskHubClient';
import { localSettings } from '../../../src/local/localSettings';
import type { OrchestrationRuntimeStatus } from '../../../src/ports/OrchestrationClient';
import { SettingNames } from '../../../src/settingNames';

let hub: TaskHub;
let client: TaskHubClient;

beforeAll(async () => {
  const connectionString = localSettings({ ...inject('emulators'), http: 0 })[SettingNames.hostStorage]!;
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  hub = await openTaskHub({ kind: 'connectionString', connectionString }, `starts${suffix}`);
  client = new TaskHubClient(hub);
});

/** The turns requested of the driver for `instanceId`: one per instance started. */
async function turnsRequested(instanceId: string): Promise<number> {
  const { peekedMessageItems } = await hub.queues.control.peekMessages({ numberOfMessages: 32 });
  return peekedMessageItems.filter(
    (m) => (JSON.parse(m.messageText) as { instanceId?: string }).instanceId === instanceId,
  ).length;
}

async function setStatus(instanceId: string, runtimeStatus: OrchestrationRuntimeStatus): Promise<void> {
  const stored = (await hub.store.readInstance(instanceId))!;
  expect(await hub.store.replaceInstance({ ...stored.record, runtimeStatus }, stored.etag)).toBe(true);
}

describe('TaskHubClient.startNew', () => {
  it('started twice at once with one new id, creates exactly one instance', async () => {
    const instanceId = `new-${randomUUID()}`;
    const started = await Promise.all([
      client.startNew('driver', { instanceId, input: { n: 1 } }),
      client.startNew('driver', { instanceId, input: { n: 2 } }),
    ]);
    expect(started).toEqual([instanceId, instanceId]);
    expect(await turnsRequested(instanceId)).toBe(1);
    const { record } = (await hub.store.readInstance(instanceId))!;
    expect(record.runtimeStatus).toBe('Pending');
    expect([{ n: 1 }, { n: 2 }]).toContainEqual(record.input);
  });

  it.each<OrchestrationRuntimeStatus>(['Pending', 'Running', 'ContinuedAsNew'])(
    'leaves a %s instance as it is',
    async (status) => {
      const instanceId = `kept-${randomUUID()}`;
      await client.startNew('driver', { instanceId, input: { n: 1 } });
      await setStatus(instanceId, status);
      const before = (await hub.store.readInstance(instanceId))!.record;
      expect(await client.startNew('driver', { instanceId, input: { n: 2 } })).toBe(instanceId);
      expect((await hub.store.readInstance(instanceId))!.record).toEqual(before);
      expect(await turnsRequested(instanceId)).toBe(1);
    },
  );

  it.each<OrchestrationRuntimeStatus>(['Completed', 'Failed', 'Terminated'])(
    'started twice at once over a %s instance, starts it again exactly once',
    async (status) => {
      const instanceId = `again-${randomUUID()}`;
      await client.startNew('driver', { instanceId, input: { n: 1 } });
      await setStatus(instanceId, status);
      const finished = (await hub.store.readInstance(instanceId))!.record;
      await Promise.all([
        client.startNew('driver', { instanceId, input: { n: 2 } }),
        client.startNew('driver', { instanceId, input: { n: 2 } }),
      ]);
      const { record } = (await hub.store.readInstance(instanceId))!;
      expect(record.runtimeStatus).toBe('Pending');
      expect(record.input).toEqual({ n: 2 });
      expect(record.executionId).not.toBe(finished.executionId);
      // The first start's turn, and one more for the one restart.
      expect(await turnsRequested(instanceId)).toBe(2);
    },
  );
});
