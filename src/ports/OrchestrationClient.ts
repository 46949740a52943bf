/** Starts and inspects orchestrations: Durable Functions in Azure, the in-process driver locally. */
export type OrchestrationRuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated';

export interface OrchestrationStatus {
  instanceId: string;
  name: string;
  runtimeStatus: OrchestrationRuntimeStatus;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface StartOrchestrationOptions {
  /** Deterministic instance id; starting an id that is already running is a no-op returning it. */
  instanceId: string;
  input?: unknown;
}

export interface OrchestrationClient {
  startNew(orchestratorName: string, options: StartOrchestrationOptions): Promise<string>;
  getStatus(instanceId: string): Promise<OrchestrationStatus | undefined>;
  raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
}
