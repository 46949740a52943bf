/**
 * The orchestration-client port over the Durable Functions client binding (Azure).
 *
 * Starting is one request, with no status read before it (a read then a start let two callers both
 * find nothing and both start). The extension itself refuses to replace an instance of the id
 * that is pending, running, suspended or continued-as-new, and replaces one that completed, failed
 * or was terminated: `overridableExistingInstanceStates: NonRunningStates`, the extension's
 * default, set explicitly in host.json. Its refusal ("an instance ... already exists") is the
 * port's "already running": success.
 * https://learn.microsoft.com/azure/durable-task/durable-functions/durable-functions-host-json-settings
 * https://learn.microsoft.com/dotnet/api/microsoft.azure.webjobs.extensions.durabletask.overridablestates
 */
import type { DurableClient } from 'durable-functions';
import type {
  OrchestrationClient,
  OrchestrationRuntimeStatus,
  OrchestrationStatus,
  StartOrchestrationOptions,
} from '../../ports/OrchestrationClient';

export class DurableOrchestrationClient implements OrchestrationClient {
  constructor(private readonly client: DurableClient) {}

  async startNew(orchestratorName: string, options: StartOrchestrationOptions): Promise<string> {
    try {
      return await this.client.startNew(orchestratorName, {
        instanceId: options.instanceId,
        ...(options.input === undefined ? {} : { input: options.input }),
      });
    } catch (err) {
      if (isAlreadyRunning(err)) return options.instanceId;
      throw err;
    }
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

/**
 * The extension's answer to a start of an instance it will not replace, as the SDK's client
 * reports it: HTTP 409 from extensions that throw `OrchestrationAlreadyExistsException`; from
 * older 2.x ones an HTTP 500 carrying DurableTask.AzureStorage's `InvalidOperationException`,
 * "An Orchestration instance with the status Running already exists."
 */
export function isAlreadyRunning(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    /unexpected status code: 409\b/.test(err.message) ||
    /instance with the status \w+ already exists/i.test(err.message)
  );
}
