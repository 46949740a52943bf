/** The actions the durable-functions executor returns, in the JSON shape the Durable extension receives. */

/** Numbered as the SDK's `ActionType`. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  /** As the SDK sends it: a string input arrives as JSON text, anything else as is. */
  input?: unknown;
  retryOptions?: { firstRetryIntervalInMilliseconds: number; maxNumberOfAttempts: number };
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  /** Task.all / Task.any nest the actions of their tasks. */
  compoundActions?: OrchestratorAction[];
}

/** Depth-first, compound actions replaced by the actions they hold, in scheduling order. */
export function flattenActions(actions: readonly OrchestratorAction[]): OrchestratorAction[] {
  return actions.flatMap((action) =>
    action.compoundActions ? flattenActions(action.compoundActions) : [action],
  );
}

export function actionTypeName(actionType: number): string {
  return (
    Object.entries(ActionType).find(([, value]) => value === actionType)?.[0] ?? `actionType ${actionType}`
  );
}

/**
 * The value an activity or a new execution receives. The SDK JSON-encodes string payloads only
 * (`Utils.processInput`) and the host decodes what it gets, so a string is JSON text here.
 */
export function decodePayload(payload: unknown): unknown {
  if (payload === undefined) return undefined;
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}
