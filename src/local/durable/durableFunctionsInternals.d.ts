/**
 * Declarations for the parts of the durable-functions v3 orchestrator executor that ship without
 * types. Only what the in-process driver and the replay harness use; shapes read from 3.5's lib/src.
 */

declare module 'durable-functions/lib/src/orchestrations/Orchestrator' {
  import type { InvocationContext } from '@azure/functions';
  import type { OrchestrationHandler } from 'durable-functions';

  /** What one run over a history returns: every action so far, nested under `actions[0]`. */
  export interface SdkOrchestratorState {
    isDone: boolean;
    actions: unknown[][];
    output?: unknown;
    error?: string;
    customStatus?: unknown;
    schemaVersion: number;
  }

  export interface SdkTaskOrchestrationExecutor {
    /** Tasks the orchestrator waits on, keyed by the sequence number their completion event carries. */
    openTasks: Record<string, unknown>;
    /** External events waited on, keyed by event name. */
    openEvents: Record<string, unknown[]>;
    /** What the orchestrator threw, when it failed. */
    exception?: unknown;
    /** Every action so far (also set when the orchestrator failed). */
    actions: unknown[];
  }

  export class Orchestrator {
    constructor(fn: OrchestrationHandler);
    /** The binding is the `orchestrationTrigger` input the Durable extension sends. */
    handle(orchestrationTrigger: unknown, context: InvocationContext): Promise<SdkOrchestratorState>;
    /** Set by `handle`; read afterwards for the sequence numbers of open tasks. */
    taskOrchestrationExecutor?: SdkTaskOrchestrationExecutor;
  }
}

declare module 'durable-functions/lib/src/task' {
  export class TaskBase {
    id: number | string | false;
    parent?: TaskBase;
    readonly actionObj: unknown;
  }

  /** A task with no action of its own: a retry's timer, or its next attempt. */
  export class NoOpTask extends TaskBase {}

  export interface SdkRetryOptions {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  }

  /** `callActivityWithRetry`: after a failure it waits on a timer, then on a new attempt. */
  export class RetryableTask extends TaskBase {
    isWaitingOnTimer: boolean;
    attemptNumber: number;
    retryOptions: SdkRetryOptions;
  }
}
