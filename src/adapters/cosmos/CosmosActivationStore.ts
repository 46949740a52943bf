/**
 * Activations and their recovery tasks in Cosmos DB.
 * - `activations`, partitioned by tenant: one document an activation, its ETag the version. Kept here.
 * - `recoveries`: the tasks, sharded per activation (`CosmosRecoveryTasks`), with a counter per shard
 *   and writing region moved in the same batch as each task (`RecoveryCounters`).
 */
import type { Container } from '@azure/cosmos';
import type { Activation, ActivationState } from '../../domain/activation';
import { ConflictError } from '../../domain/errors';
import type { RecoveryState, RecoveryTask, WaveCounts } from '../../domain/recoveryTask';
import type { ActivationStore, TaskFilter, TasksInOptions } from '../../ports/ActivationStore';
import type { Page, PageRequest } from '../../ports/Page';
import type { SystemFields } from './cosmosSystemFields';
import { CosmosRecoveryTasks } from './CosmosRecoveryTasks';
import { fetchPage } from './fetchPage';
import { RecoveryCounters } from './RecoveryCounters';
import { statusOf } from './statusOf';

interface ActivationDocument extends Omit<Activation, 'version'>, SystemFields {
  type: 'activation';
}

const defaultShards = 16;
const drivenStates = "('planning', 'recovering', 'deactivating')";
/** Activations that still hold their devices (and maybe a region's outage): not deactivating or deactivated. */
const holdingStates: readonly ActivationState[] = ['planning', 'recovering', 'completed', 'cancelled'];

export class CosmosActivationStore implements ActivationStore {
  private readonly counters: RecoveryCounters;
  private readonly tasks: CosmosRecoveryTasks;

  constructor(
    private readonly activations: Container,
    recoveries: Container,
    /** The control-plane region this process writes from: it owns that region's counters. */
    region: string,
    options: { shards?: number } = {},
  ) {
    this.counters = new RecoveryCounters(recoveries, region);
    this.tasks = new CosmosRecoveryTasks(recoveries, this.counters, options.shards ?? defaultShards);
  }

  async create(activation: Activation): Promise<Activation> {
    try {
      const { resource } = await this.activations.items.create(toActivationDocument(activation));
      return toActivation(resource!);
    } catch (err) {
      if (statusOf(err) === 409)
        throw new ConflictError('activation-exists', `Activation ${activation.id} already exists`);
      throw err;
    }
  }

  async get(tenantId: string, id: string): Promise<Activation | undefined> {
    const { resource } = await this.activations.item(id, tenantId).read<ActivationDocument>();
    return resource?.type === 'activation' ? toActivation(resource) : undefined;
  }

  async replace(activation: Activation, ifVersion: string): Promise<Activation> {
    try {
      const { resource } = await this.activations
        .item(activation.id, activation.tenantId)
        .replace<ActivationDocument>(toActivationDocument(activation), {
          accessCondition: { type: 'IfMatch', condition: ifVersion },
        });
      return toActivation(resource!);
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) {
        throw new ConflictError(
          'precondition-failed',
          `Activation ${activation.id} was changed by someone else; read it again`,
        );
      }
      throw err;
    }
  }

  async *listDriven(): AsyncIterable<Activation> {
    const query = this.activations.items.query<ActivationDocument>(
      `SELECT * FROM c WHERE c.type = 'activation' AND c.state IN ${drivenStates}`,
      { maxItemCount: 100 },
    );
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      for (const document of resources) yield toActivation(document);
    }
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Activation>> {
    // The tenant named in the query too: the embedded emulator does not scope by partition key.
    const spec = {
      query:
        "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'activation' ORDER BY c.requestedAt DESC",
      parameters: [{ name: '@tenant', value: tenantId }],
    };
    return await fetchPage(this.activations, spec, page, toActivation, tenantId);
  }

  async listHolding(tenantId: string, limit: number): Promise<Activation[]> {
    const { resources } = await this.activations.items
      .query<ActivationDocument>(
        {
          query:
            "SELECT TOP @limit * FROM c WHERE c.tenantId = @tenant AND c.type = 'activation' AND ARRAY_CONTAINS(@states, c.state) ORDER BY c.requestedAt DESC",
          parameters: [
            { name: '@tenant', value: tenantId },
            { name: '@states', value: [...holdingStates] },
            { name: '@limit', value: Math.max(1, Math.floor(limit)) },
          ],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map(toActivation);
  }

  async addTasks(tasks: readonly RecoveryTask[]): Promise<void> {
    await this.tasks.add(tasks);
  }

  async getTask(activationId: string, deviceId: string): Promise<RecoveryTask | undefined> {
    return await this.tasks.get(activationId, deviceId);
  }

  async moveTask(
    task: RecoveryTask,
    next: Partial<RecoveryTask> & Pick<RecoveryTask, 'state'>,
  ): Promise<RecoveryTask | undefined> {
    return await this.tasks.move(task, next);
  }

  async tasksIn(
    activationId: string,
    states: readonly RecoveryState[],
    limit: number,
    options?: TasksInOptions,
  ): Promise<RecoveryTask[]> {
    return await this.tasks.inStates(activationId, states, limit, options);
  }

  async listTasks(activationId: string, filter: TaskFilter, page: PageRequest): Promise<Page<RecoveryTask>> {
    return await this.tasks.list(activationId, filter, page);
  }

  async counts(activationId: string): Promise<WaveCounts> {
    return await this.counters.sum(activationId);
  }

  async lastRecoveredAt(activationId: string): Promise<string | undefined> {
    return await this.tasks.lastRecoveredAt(activationId);
  }
}

function toActivationDocument(activation: Activation): ActivationDocument {
  const { version: _version, ...rest } = activation;
  return { ...rest, type: 'activation' };
}

function toActivation(document: ActivationDocument): Activation {
  const { type: _type, _etag, _rid, _ts, _self, _attachments, ...activation } = document;
  return _etag ? { ...activation, version: _etag } : activation;
}
