/**
 * The orchestration-client port over the Durable Functions client binding (Azure). Starting an
 * instance id that already exists and has not failed is a no-op, as the port promises: the
 * extension itself may replace a running instance of the same id.
 */
import type { DurableClient } from 'durable-functions';
import type {
  OrchestrationClient,
  OrchestrationRuntimeStatus,
  OrchestrationStatus,
  StartOrchestrationOptions,
} from '../../ports/OrchestrationClient';

const restartable = new Set<string>(['Failed', 'Terminated', 'Canceled']);

export class DurableOrchestrationClient implements OrchestrationClient {
  constructor(private readonly client: DurableClient) {}

  async startNew(orchestratorName: string, options: StartOrchestrationOptions): Promise<string> {
    const existing = await this.getStatus(options.instanceId);
    if (existing && !restartable.has(existing.runtimeStatus)) return options.instanceId;
    return await this.client.startNew(orchestratorName, {
      instanceId: options.instanceId,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
  }

  async getStatus(instanceId: string): Promise<OrchestrationStatus | undefined> {
    let status;
    try {
      status = await this.client.getStatus(instanceId);
    } catch (err) {
      // The client answers an unknown instance with a 404 error.
      if (err instanceof Error && /404|not found/i.test(err.message)) return undefined;
      throw err;
    }
    if (!status?.instanceId) return undefined;
    return {
      instanceId: status.instanceId,
      name: status.name,
      runtimeStatus: status.runtimeStatus as string as OrchestrationRuntimeStatus,
      input: status.input,
      output: status.output,
      customStatus: status.customStatus,
      createdTime: new Date(status.createdTime).toISOString(),
      lastUpdatedTime: new Date(status.lastUpdatedTime).toISOString(),
    };
  }

  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    await this.client.raiseEvent(instanceId, eventName, eventData);
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    await this.client.terminate(instanceId, reason);
  }
}
