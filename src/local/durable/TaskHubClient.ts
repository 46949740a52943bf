/**
 * The orchestration client over a task hub: what the Durable client does in Azure, done directly
 * on the hub's table and queues. Needs no running driver; a driver in some process takes the turns.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../domain/errors';
import type {
  OrchestrationClient,
  OrchestrationRuntimeStatus,
  OrchestrationStatus,
  StartOrchestrationOptions,
} from '../../ports/OrchestrationClient';
import { historyEvents } from './historyEvents';
import type { TaskHub } from './openTaskHub';
import { isActive, type InstanceRecord } from './TaskHubStore';

/** Characters Table storage refuses in keys (the instance id is the partition key): / \\ # ? */
const forbiddenInstanceIdCharacters = /[/\\#?]/;

/**
 * The statuses a start replaces, as the Durable extension's `NonRunningStates` (its default, set in
 * host.json): any other instance of the id is left as it is and the start succeeds.
 * https://learn.microsoft.com/dotnet/api/microsoft.azure.webjobs.extensions.durabletask.overridablestates
 */
const replaceableStatuses: readonly OrchestrationRuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export class TaskHubClient implements OrchestrationClient {
  constructor(private readonly hub: TaskHub) {}

  async startNew(orchestratorName: string, options: StartOrchestrationOptions): Promise<string> {
    const { instanceId } = options;
    validateInstanceId(instanceId);
    if (!orchestratorName) throw new TypeError('An orchestrator name is required');
    const { store, queues } = this.hub;
    // Race-free as the extension's start: the write is conditional (create if absent, replace only
    // the finished row that was read), and a start that loses reads the winner's instance.
    for (;;) {
      const existing = await store.readInstance(instanceId);
      if (existing && !replaceableStatuses.includes(existing.record.runtimeStatus)) return instanceId;
      const now = new Date().toISOString();
      const record: InstanceRecord = {
        instanceId,
        name: orchestratorName,
        runtimeStatus: 'Pending',
        executionId: randomUUID(),
        input: options.input,
        output: undefined,
        customStatus: undefined,
        createdTime: now,
        lastUpdatedTime: now,
        turn: 0,
        // A restarted instance keeps its clock moving forward.
        lastStartedAt: existing?.record.lastStartedAt ?? '',
      };
      const written = existing
        ? await store.replaceInstance(record, existing.etag)
        : await store.createInstance(record);
      // Lost a race with another start or a turn: look again, it may be running now.
      if (!written) continue;
      await queues.requestTurn(instanceId);
      return instanceId;
    }
  }

  async getStatus(instanceId: string): Promise<OrchestrationStatus | undefined> {
    const stored = await this.hub.store.readInstance(instanceId);
    if (!stored) return undefined;
    const { record } = stored;
    return {
      instanceId,
      name: record.name,
      runtimeStatus: record.runtimeStatus,
      ...(record.input === undefined ? {} : { input: record.input }),
      ...(record.output === undefined ? {} : { output: record.output }),
      ...(record.customStatus === undefined ? {} : { customStatus: record.customStatus }),
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
    };
  }

  /** As in Durable, an event for a finished instance is dropped; an unknown instance is an error. */
  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    if (!eventName) throw new TypeError('An event name is required');
    const stored = await this.hub.store.readInstance(instanceId);
    if (!stored) throw new NotFoundError(`Orchestration instance ${instanceId}`);
    if (!isActive(stored.record.runtimeStatus)) return;
    const now = new Date();
    await this.hub.store.addInboxEvent(instanceId, {
      key: `event|${now.toISOString()}|${randomUUID()}`,
      event: historyEvents.eventRaised(eventName, eventData, now),
    });
    await this.hub.queues.requestTurn(instanceId);
  }

  /**
   * Marks the instance Terminated at once. Work already sent still arrives; the driver drops it
   * because the instance is no longer active.
   */
  async terminate(instanceId: string, reason: string): Promise<void> {
    const { store, queues } = this.hub;
    for (;;) {
      const stored = await store.readInstance(instanceId);
      if (!stored) throw new NotFoundError(`Orchestration instance ${instanceId}`);
      if (!isActive(stored.record.runtimeStatus)) return;
      const record: InstanceRecord = {
        ...stored.record,
        runtimeStatus: 'Terminated',
        output: reason,
        lastUpdatedTime: new Date().toISOString(),
      };
      if (await store.replaceInstance(record, stored.etag)) break;
    }
    // A turn of a finished instance only clears what is left in its inbox and outbox.
    await queues.requestTurn(instanceId);
  }
}

function validateInstanceId(instanceId: string): void {
  if (
    !instanceId ||
    instanceId.length > 256 ||
    forbiddenInstanceIdCharacters.test(instanceId) ||
    hasControlCharacter(instanceId)
  ) {
    throw new TypeError(
      `Instance id "${instanceId}" is invalid; expected 1 to 256 characters without / \\ # ? or control characters`,
    );
  }
}

/** Table storage also refuses control characters (U+0000–U+001F, U+007F–U+009F) in keys. */
function hasControlCharacter(value: string): boolean {
  return [...value].some((c) => {
    const code = c.charCodeAt(0);
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
}
