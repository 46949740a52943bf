/**
 * Replays a scripted history through the durable-functions SDK's own executor, as the SDK's own
 * tests do, and returns what the SDK decided: its actions, custom status, output or continueAsNew.
 */
import type { OrchestrationHandler } from 'durable-functions';
import { executeOrchestrator, type OpenWork } from '../../src/local/durable/executeOrchestrator';
import { historyEvents, type HistoryEvent } from '../../src/local/durable/historyEvents';
import type { OrchestratorAction } from '../../src/local/durable/OrchestratorAction';

export { historyEvents, type HistoryEvent };

export interface ReplayOptions {
  instanceId?: string;
  /** The orchestrator's input, as the binding carries it (the SDK does not read ExecutionStarted's). */
  input?: unknown;
  name?: string;
}

export interface ReplayResult {
  /** Every action so far, in the JSON shape the host receives; Task.all/any nest `compoundActions`. */
  actions: OrchestratorAction[];
  isDone: boolean;
  output?: unknown;
  customStatus?: unknown;
  continueAsNew?: { input: unknown };
  error?: Error;
  /** Open tasks with the sequence numbers their completion events must carry. */
  openWork: OpenWork[];
}

export async function replayOrchestrator(
  orchestrator: OrchestrationHandler,
  history: readonly HistoryEvent[],
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const turn = await executeOrchestrator({
    orchestrator,
    name: options.name ?? 'orchestrator',
    instanceId: options.instanceId ?? 'replay-instance',
    input: options.input,
    history,
  });
  const { outcome } = turn;
  return {
    actions: turn.actions,
    isDone: outcome.kind === 'completed' || outcome.kind === 'continuedAsNew',
    customStatus: turn.customStatus,
    openWork: turn.openWork,
    ...(outcome.kind === 'completed' ? { output: outcome.output } : {}),
    ...(outcome.kind === 'continuedAsNew' ? { continueAsNew: { input: outcome.input } } : {}),
    ...(outcome.kind === 'failed' ? { error: outcome.error } : {}),
  };
}

/** The opening of every first turn: OrchestratorStarted then ExecutionStarted, at one time. */
export function startOfHistory(name: string, input: unknown, at: Date): HistoryEvent[] {
  return [historyEvents.orchestratorStarted(at), historyEvents.executionStarted(name, input, at)];
}
