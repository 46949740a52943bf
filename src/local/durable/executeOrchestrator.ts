/**
 * Runs an orchestrator generator over a history through the durable-functions SDK's own executor,
 * as the Functions host does for each orchestrator turn, and reports what the SDK decided.
 */
import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import type { SdkOrchestratorState } from 'durable-functions/lib/src/orchestrations/Orchestrator';
import type { SdkRetryOptions } from 'durable-functions/lib/src/task';
import { randomUUID } from 'node:crypto';
import { ensureErrorType } from '../../domain/errors';
import type { LogHandler } from '../httpHost';
import type { HistoryEvent } from './historyEvents';
import { ActionType, decodePayload, flattenActions, type OrchestratorAction } from './OrchestratorAction';
import { NoOpTask, Orchestrator, RetryableTask } from './sdkInternals';

/** Replay schema V3: the newest the SDK's executor supports without entity locks. */
const replaySchemaV3 = 2;

/**
 * The Azure Storage backend's values. Timers further out than the first become chains of timers
 * no longer than the second, each with its own sequence number, exactly as in Azure.
 */
export const timerDurations = {
  maximumShortTimerDuration: '6.00:00:00',
  longRunningTimerIntervalDuration: '3.00:00:00',
};

export interface OrchestratorTurnRequest {
  orchestrator: OrchestrationHandler;
  name: string;
  instanceId: string;
  input: unknown;
  history: readonly HistoryEvent[];
  log?: LogHandler;
}

/** Work the orchestrator waits on that the host must carry out, keyed by its sequence number. */
export type OpenWork =
  | { kind: 'activity'; id: number; name: string; input: unknown }
  | { kind: 'timer'; id: number; fireAt: string }
  | { kind: 'unsupported'; id: number | string; description: string };

export type OrchestratorOutcome =
  | { kind: 'running' }
  | { kind: 'completed'; output: unknown }
  | { kind: 'continuedAsNew'; input: unknown }
  | { kind: 'failed'; error: Error };

export interface OrchestratorTurn {
  /** Every action so far, as the SDK returns them to the host (JSON); new ones come last. */
  actions: OrchestratorAction[];
  outcome: OrchestratorOutcome;
  customStatus: unknown;
  /** The orchestrator's `currentUtcDateTime` at the end of the turn. */
  currentUtcDateTime: string;
  /**
   * Every open task that needs the host, scheduled or not. Read from the executor's open tasks
   * rather than counted from the actions: a retry's timer and next attempt, and each leg of a long
   * timer, take sequence numbers that no returned action shows.
   */
  openWork: OpenWork[];
}

export async function executeOrchestrator(request: OrchestratorTurnRequest): Promise<OrchestratorTurn> {
  const log = request.log ?? (() => undefined);
  // The executor converts Timestamp strings to Dates in place, input included: give it copies.
  const binding = {
    history: structuredClone(request.history),
    input: structuredClone(request.input),
    instanceId: request.instanceId,
    isReplaying: false,
    parentInstanceId: undefined,
    ...timerDurations,
    defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    upperSchemaVersion: replaySchemaV3,
  };
  const context = new DummyOrchestrationContext(request.name, randomUUID(), (level, ...args) =>
    log(level, request.name, args.map(String).join(' ')),
  );
  const orchestrator = new Orchestrator(request.orchestrator);
  let state: SdkOrchestratorState | undefined;
  let failure: Error | undefined;
  try {
    state = await orchestrator.handle(binding, context);
  } catch (err) {
    // The SDK wraps the orchestrator's own error with its state as JSON; report the original.
    const original: unknown = orchestrator.taskOrchestrationExecutor?.exception ?? err;
    failure = ensureErrorType(original);
  }
  const executor = orchestrator.taskOrchestrationExecutor;
  const actions = toJson<OrchestratorAction[]>(state ? (state.actions[0] ?? []) : (executor?.actions ?? []));
  const now = (context.df as typeof context.df | undefined)?.currentUtcDateTime ?? new Date(0);

  let outcome: OrchestratorOutcome;
  if (failure) {
    outcome = { kind: 'failed', error: failure };
  } else if (state?.isDone) {
    const continueAsNew = flattenActions(actions).find((a) => a.actionType === ActionType.ContinueAsNew);
    outcome = continueAsNew
      ? { kind: 'continuedAsNew', input: decodePayload(continueAsNew.input) }
      : { kind: 'completed', output: toJson(state.output) };
  } else {
    outcome = { kind: 'running' };
  }
  return {
    actions,
    outcome,
    customStatus: toJson((context.df as typeof context.df | undefined)?.customStatus),
    currentUtcDateTime: now.toISOString(),
    openWork: executor ? openWorkOf(executor.openTasks, now) : [],
  };
}

function openWorkOf(openTasks: Record<string, unknown>, now: Date): OpenWork[] {
  const work: OpenWork[] = [];
  for (const [key, task] of Object.entries(openTasks)) {
    const id = Number(key);
    if (!Number.isInteger(id)) {
      work.push({ kind: 'unsupported', id: key, description: `an open task keyed "${key}"` });
      continue;
    }
    if (task instanceof NoOpTask && task.parent instanceof RetryableTask) {
      const retry = task.parent;
      const action = retry.actionObj as OrchestratorAction;
      work.push(
        retry.isWaitingOnTimer
          ? {
              kind: 'timer',
              id,
              fireAt: new Date(
                now.getTime() + retryDelayInMs(retry.retryOptions, retry.attemptNumber),
              ).toISOString(),
            }
          : { kind: 'activity', id, name: action.functionName ?? '', input: decodePayload(action.input) },
      );
      continue;
    }
    const action = (task as { actionObj?: unknown }).actionObj as OrchestratorAction | undefined;
    switch (action?.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
        work.push({
          kind: 'activity',
          id,
          name: action.functionName ?? '',
          input: decodePayload(action.input),
        });
        break;
      case ActionType.CreateTimer: {
        const fireAt = (action.fireAt as unknown as Date | string | undefined) ?? now;
        // A timer cancelled before it was ever scheduled needs nothing from the host.
        if (!action.isCanceled) work.push({ kind: 'timer', id, fireAt: new Date(fireAt).toISOString() });
        break;
      }
      default:
        work.push({
          kind: 'unsupported',
          id,
          description: `an open task with actionType ${String(action?.actionType)}`,
        });
    }
  }
  return work;
}

/**
 * DurableTask.Core's retry schedule: after failed attempt k, wait first × coefficient^(k-1),
 * capped by the maximum interval. `attemptNumber` is already k+1 here. After the last attempt the
 * SDK still waits on a timer before it surfaces the failure; that timer fires at once.
 */
function retryDelayInMs(options: SdkRetryOptions, attemptNumber: number): number {
  if (attemptNumber > options.maxNumberOfAttempts) return 0;
  const delay =
    options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, attemptNumber - 2);
  return Math.min(delay, options.maxRetryIntervalInMilliseconds ?? Number.POSITIVE_INFINITY);
}

/** The wire form: what the host would receive (Dates become ISO text, class instances plain objects). */
function toJson<T>(value: unknown): T {
  const text = JSON.stringify(value);
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}
