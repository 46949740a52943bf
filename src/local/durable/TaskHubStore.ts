/**
 * A task hub's table: per instance one partition holding its status row, its history (one row per
 * turn), its inbox of events not yet seen by the orchestrator and its outbox of work not yet sent.
 * One partition, so a turn commits history, consumed inbox rows, outbox and status in one batch.
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { OrchestrationRuntimeStatus } from '../../ports/OrchestrationClient';
import type { HistoryEvent } from './historyEvents';
import { jsonColumns, readJsonColumns, type EntityProperties } from './jsonColumns';
import type { WorkItem } from './WorkItem';

export interface InstanceRecord {
  instanceId: string;
  name: string;
  runtimeStatus: OrchestrationRuntimeStatus;
  /** Changes with every continueAsNew and every restart; rows of other executions are stale. */
  executionId: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** Turns committed in this execution; numbers the next turn's history row. */
  turn: number;
  /** The last turn's OrchestratorStarted time ('' before the first), so time never runs back. */
  lastStartedAt: string;
}

export interface StoredInstance {
  record: InstanceRecord;
  etag: string;
}

export interface InboxEntry {
  rowKey: string;
  /** Task and timer results belong to one execution; external events to whichever is current. */
  executionId: string | undefined;
  enqueuedAt: string;
  event: HistoryEvent;
}

export interface OutboxEntry {
  rowKey: string;
  executionId: string;
  items: WorkItem[];
}

export interface HistoryPage {
  rowKey: string;
  executionId: string;
  turn: number;
  events: HistoryEvent[];
}

export interface TurnCommit {
  instance: InstanceRecord;
  /** The status row's ETag when the turn read it: a turn that lost a race fails as a whole. */
  etag: string;
  history: { executionId: string; turn: number; events: HistoryEvent[] };
  consumedInbox: readonly string[];
  outbox?: { executionId: string; turn: number; items: WorkItem[] };
}

/** A batch holds at most 100 operations: history, outbox and status take three. */
export const maxInboxRowsPerTurn = 90;

const instanceRowKey = 'instance';
const activeStatuses: readonly OrchestrationRuntimeStatus[] = ['Pending', 'Running'];

export function isActive(status: OrchestrationRuntimeStatus): boolean {
  return activeStatuses.includes(status);
}

export class TaskHubStore {
  constructor(readonly table: TableClient) {}

  async ensureCreated(): Promise<void> {
    // createTable treats "already exists" as success.
    await this.table.createTable();
  }

  async readInstance(instanceId: string): Promise<StoredInstance | undefined> {
    try {
      const entity = await this.table.getEntity<EntityProperties>(instanceId, instanceRowKey);
      return { record: toInstance(instanceId, entity), etag: entity.etag };
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** False when the instance already exists. */
  async createInstance(record: InstanceRecord): Promise<boolean> {
    try {
      await this.table.createEntity(instanceEntity(record));
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409) return false;
      throw err;
    }
  }

  /** False when the row changed since `etag` was read. */
  async replaceInstance(record: InstanceRecord, etag: string): Promise<boolean> {
    try {
      await this.table.updateEntity(instanceEntity(record), 'Replace', { etag });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 412 || statusCodeOf(err) === 404) return false;
      throw err;
    }
  }

  /** Records an event for the orchestrator's next turn. A second copy under the same key is dropped. */
  async addInboxEvent(
    instanceId: string,
    entry: { executionId?: string; key: string; event: HistoryEvent },
  ): Promise<void> {
    try {
      await this.table.createEntity({
        partitionKey: instanceId,
        rowKey: `inbox|${entry.executionId ?? '*'}|${entry.key}`,
        executionId: entry.executionId ?? '',
        enqueuedAt: new Date().toISOString(),
        ...jsonColumns('event', entry.event),
      });
    } catch (err) {
      // The same task result or timer again (an activity that ran twice): the first one stands.
      if (statusCodeOf(err) !== 409) throw err;
    }
  }

  /** Inbox entries in arrival order, and outbox entries. */
  async listPending(instanceId: string): Promise<{ inbox: InboxEntry[]; outbox: OutboxEntry[] }> {
    const inbox: InboxEntry[] = [];
    const outbox: OutboxEntry[] = [];
    for (const entity of await this.range(instanceId, 'inbox|', 'outbox}')) {
      const rowKey = entity.rowKey ?? '';
      if (rowKey.startsWith('inbox|')) {
        inbox.push({
          rowKey,
          executionId:
            typeof entity.executionId === 'string' && entity.executionId !== ''
              ? entity.executionId
              : undefined,
          enqueuedAt: String(entity.enqueuedAt),
          event: readJsonColumns(entity, 'event') as HistoryEvent,
        });
      } else if (rowKey.startsWith('outbox|')) {
        outbox.push({
          rowKey,
          executionId: String(entity.executionId),
          items: readJsonColumns(entity, 'items') as WorkItem[],
        });
      }
    }
    inbox.sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt) || a.rowKey.localeCompare(b.rowKey));
    return { inbox, outbox };
  }

  /** Every history row of the instance, of every execution still stored, in turn order. */
  async listHistory(instanceId: string): Promise<HistoryPage[]> {
    return (await this.range(instanceId, 'history|', 'history}')).map(toHistoryPage);
  }

  async readHistoryPage(
    instanceId: string,
    executionId: string,
    turn: number,
  ): Promise<HistoryPage | undefined> {
    try {
      return toHistoryPage(
        await this.table.getEntity<EntityProperties>(instanceId, historyRowKey(executionId, turn)),
      );
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** All or nothing: fails with 412 (status row changed), 409 (turn already written) or 404 (inbox row gone). */
  async commitTurn(instanceId: string, commit: TurnCommit): Promise<void> {
    if (commit.consumedInbox.length > maxInboxRowsPerTurn) {
      throw new RangeError(`A turn consumes at most ${maxInboxRowsPerTurn} inbox rows`);
    }
    const actions: TransactionAction[] = [
      [
        'create',
        {
          partitionKey: instanceId,
          rowKey: historyRowKey(commit.history.executionId, commit.history.turn),
          executionId: commit.history.executionId,
          turn: commit.history.turn,
          ...jsonColumns('events', commit.history.events),
        },
      ],
      ...commit.consumedInbox.map((rowKey): TransactionAction => [
        'delete',
        { partitionKey: instanceId, rowKey },
      ]),
    ];
    if (commit.outbox) {
      actions.push([
        'create',
        {
          partitionKey: instanceId,
          rowKey: outboxRowKey(commit.outbox.executionId, commit.outbox.turn),
          executionId: commit.outbox.executionId,
          ...jsonColumns('items', commit.outbox.items),
        },
      ]);
    }
    actions.push(['update', instanceEntity(commit.instance), 'Replace', { etag: commit.etag }]);
    await this.table.submitTransaction(actions);
  }

  /** Deletes rows one by one; a row already gone is fine. */
  async deleteRows(instanceId: string, rowKeys: readonly string[]): Promise<void> {
    for (const rowKey of rowKeys) {
      try {
        await this.table.deleteEntity(instanceId, rowKey);
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
    }
  }

  /** Instances that are Pending or Running: the ones a new process must look at. */
  async *activeInstanceIds(): AsyncIterable<string> {
    const filter = odata`RowKey eq ${instanceRowKey} and (runtimeStatus eq ${'Pending'} or runtimeStatus eq ${'Running'})`;
    for await (const entity of this.table.listEntities({
      queryOptions: { filter, select: ['PartitionKey'] },
    })) {
      if (entity.partitionKey) yield entity.partitionKey;
    }
  }

  private async range(
    instanceId: string,
    from: string,
    below: string,
  ): Promise<TableEntityResult<EntityProperties>[]> {
    const filter = odata`PartitionKey eq ${instanceId} and RowKey ge ${from} and RowKey lt ${below}`;
    const rows: TableEntityResult<EntityProperties>[] = [];
    for await (const entity of this.table.listEntities<EntityProperties>({ queryOptions: { filter } }))
      rows.push(entity);
    return rows.filter((row) => row.rowKey !== instanceRowKey);
  }
}

export function outboxRowKey(executionId: string, turn: number): string {
  return `outbox|${executionId}|${String(turn).padStart(6, '0')}`;
}

export function historyRowKey(executionId: string, turn: number): string {
  return `history|${executionId}|${String(turn).padStart(6, '0')}`;
}

function instanceEntity(record: InstanceRecord): EntityProperties & { partitionKey: string; rowKey: string } {
  return {
    partitionKey: record.instanceId,
    rowKey: instanceRowKey,
    name: record.name,
    runtimeStatus: record.runtimeStatus,
    executionId: record.executionId,
    createdTime: record.createdTime,
    lastUpdatedTime: record.lastUpdatedTime,
    turn: record.turn,
    lastStartedAt: record.lastStartedAt,
    ...jsonColumns('input', record.input),
    ...jsonColumns('output', record.output),
    ...jsonColumns('customStatus', record.customStatus),
  };
}

function toInstance(instanceId: string, entity: EntityProperties): InstanceRecord {
  return {
    instanceId,
    name: String(entity.name),
    runtimeStatus: String(entity.runtimeStatus) as OrchestrationRuntimeStatus,
    executionId: String(entity.executionId),
    input: readJsonColumns(entity, 'input'),
    output: readJsonColumns(entity, 'output'),
    customStatus: readJsonColumns(entity, 'customStatus'),
    createdTime: String(entity.createdTime),
    lastUpdatedTime: String(entity.lastUpdatedTime),
    turn: Number(entity.turn),
    lastStartedAt: typeof entity.lastStartedAt === 'string' ? entity.lastStartedAt : '',
  };
}

function toHistoryPage(entity: TableEntityResult<EntityProperties>): HistoryPage {
  return {
    rowKey: entity.rowKey ?? '',
    executionId: String(entity.executionId),
    turn: Number(entity.turn),
    events: readJsonColumns(entity, 'events') as HistoryEvent[],
  };
}

/** The HTTP status of a failed Storage request (`RestError.statusCode`), if it has one. */
export function statusCodeOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
