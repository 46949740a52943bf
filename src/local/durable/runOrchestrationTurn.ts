/**
 * One orchestrator turn, as the Durable extension takes it: read the instance's stored history
 * and its new events, run the orchestrator over them through the SDK's executor, and commit the
 * turn (history, consumed events, work to send, status) in one table batch; then send the work.
 */
import { randomUUID } from 'node:crypto';
import type { DriverContext } from './DriverContext';
import { executeOrchestrator, type OpenWork, type OrchestratorTurn } from './executeOrchestrator';
import { HistoryEventType, historyEvents, type HistoryEvent } from './historyEvents';
import { ActionType, actionTypeName, flattenActions } from './OrchestratorAction';
import {
  historyRowKey,
  isActive,
  maxInboxRowsPerTurn,
  outboxRowKey,
  statusCodeOf,
  type InboxEntry,
  type InstanceRecord,
} from './TaskHubStore';
import type { WorkItem } from './WorkItem';

const supportedActionTypes: ReadonlySet<number> = new Set([
  ActionType.CallActivity,
  ActionType.CallActivityWithRetry,
  ActionType.ContinueAsNew,
  ActionType.CreateTimer,
  ActionType.WaitForExternalEvent,
]);

/** Turns of one instance that raced each other: the loser reads again. */
const maxConflictRetries = 10;

/**
 * Takes one turn of the instance, if it has anything new, and asks for another if more is
 * waiting. Safe to call at any time and more than once: with no new events it only sends work
 * that a crashed turn committed but did not send.
 */
export async function runOrchestrationTurn(context: DriverContext, instanceId: string): Promise<void> {
  for (let conflicts = 0; ;) {
    let moreToDo: boolean;
    try {
      moreToDo = await takeTurn(context, instanceId);
    } catch (err) {
      const status = statusCodeOf(err);
      if ((status === 409 || status === 412 || status === 404) && ++conflicts < maxConflictRetries) continue;
      throw err;
    }
    // The next turn (more events, or the first turn after continueAsNew) goes through the queue,
    // so other instances get their turns in between and a crash here loses nothing.
    if (moreToDo) await context.hub.queues.requestTurn(instanceId);
    return;
  }
}

/** True when the instance has more to do right away. */
async function takeTurn(context: DriverContext, instanceId: string): Promise<boolean> {
  const { store, queues } = context.hub;
  const stored = await store.readInstance(instanceId);
  if (!stored) return false;
  const { record, etag } = stored;
  const active = isActive(record.runtimeStatus);
  const pending = await store.listPending(instanceId);

  // Work that a turn committed and a crash kept from being sent. Sending it twice is harmless:
  // activities run at least once anyway, and a timer fired twice is one inbox row.
  for (const entry of pending.outbox) {
    if (active && entry.executionId === record.executionId) await queues.dispatch(entry.items);
    await store.deleteRows(instanceId, [entry.rowKey]);
  }
  const belongs = (entry: InboxEntry): boolean =>
    active && (entry.executionId === undefined || entry.executionId === record.executionId);
  const stale = pending.inbox.filter((entry) => !belongs(entry)).map((entry) => entry.rowKey);
  if (stale.length > 0) await store.deleteRows(instanceId, stale);
  const fresh = pending.inbox.filter(belongs);
  // An execution with no turn yet (new, restarted or continued as new) starts without events.
  if (!active || (record.turn > 0 && fresh.length === 0)) return false;

  const consumed = fresh.slice(0, maxInboxRowsPerTurn);
  const pages = await store.listHistory(instanceId);
  const past = pages
    .filter((page) => page.executionId === record.executionId)
    .flatMap((page) => page.events.map((event) => ({ ...event, IsPlayed: true })));
  const earlierExecutions = pages
    .filter((page) => page.executionId !== record.executionId)
    .map((page) => page.rowKey);

  // The turn's time: the orchestrator's currentUtcDateTime, and the seed of its newGuid ids.
  const startedAt = new Date(Math.max(Date.now(), Date.parse(record.lastStartedAt) || 0));
  const events: HistoryEvent[] = [historyEvents.orchestratorStarted(startedAt)];
  if (past.length === 0) events.push(historyEvents.executionStarted(record.name, record.input, startedAt));
  const completed = new Set(past.map(completionId).filter((id): id is number => id !== undefined));
  for (const entry of consumed) {
    const id = completionId(entry.event);
    // An activity that ran twice after the first result was consumed: the first result stands.
    if (id !== undefined && completed.has(id)) continue;
    if (id !== undefined) completed.add(id);
    events.push(entry.event);
  }
  const scheduled = new Set(past.filter(isScheduling).map((event) => event.EventId));

  const turn = await runOrchestrator(context, record, [...past, ...events]);
  const work =
    turn.outcome.kind === 'running'
      ? turn.openWork.filter((w): w is SchedulableWork => w.kind !== 'unsupported' && !scheduled.has(w.id))
      : [];
  const items = work.map((w) => toWorkItem(w, record));
  for (const w of work) {
    if (w.kind === 'activity') events.push(historyEvents.taskScheduled(w.id, w.name, w.input, startedAt));
    if (w.kind === 'timer') events.push(historyEvents.timerCreated(w.id, w.fireAt, startedAt));
  }
  events.push(historyEvents.orchestratorCompleted(startedAt));

  const now = new Date().toISOString();
  const next: InstanceRecord = {
    ...record,
    runtimeStatus: 'Running',
    customStatus: turn.customStatus,
    lastUpdatedTime: now,
    lastStartedAt: startedAt.toISOString(),
    turn: record.turn + 1,
  };
  const { outcome } = turn;
  if (outcome.kind === 'completed') {
    next.runtimeStatus = 'Completed';
    next.output = outcome.output;
    events.push(historyEvents.executionCompleted('Completed', outcome.output, startedAt));
  } else if (outcome.kind === 'failed') {
    next.runtimeStatus = 'Failed';
    next.output = `${outcome.error.name}: ${outcome.error.message}`;
    events.push(historyEvents.executionCompleted('Failed', next.output, startedAt));
    context.log(
      'error',
      record.name,
      `Orchestration ${instanceId} failed: ${outcome.error.stack ?? outcome.error.message}`,
    );
  } else if (outcome.kind === 'continuedAsNew') {
    // A new execution with a fresh history keeps history bounded; the old rows go below.
    next.executionId = randomUUID();
    next.input = outcome.input;
    next.turn = 0;
  }

  await store.commitTurn(instanceId, {
    instance: next,
    etag,
    history: { executionId: record.executionId, turn: record.turn, events },
    consumedInbox: consumed.map((entry) => entry.rowKey),
    // The outbox row holds no inputs: they are in the TaskScheduled events of this history row.
    ...(items.length > 0
      ? { outbox: { executionId: record.executionId, turn: record.turn, items: items.map(withoutInput) } }
      : {}),
  });

  if (items.length > 0) {
    await queues.dispatch(items);
    await store.deleteRows(instanceId, [outboxRowKey(record.executionId, record.turn)]);
  }
  // History stays bounded: a finished execution's rows go once it continued as new, and rows of
  // earlier executions (a restart, or a crash before this cleanup) go at the next turn.
  const obsolete =
    outcome.kind === 'continuedAsNew'
      ? [...pages.map((page) => page.rowKey), historyRowKey(record.executionId, record.turn)]
      : earlierExecutions;
  if (obsolete.length > 0) await store.deleteRows(instanceId, obsolete);
  return fresh.length > consumed.length || outcome.kind === 'continuedAsNew';
}

async function runOrchestrator(
  context: DriverContext,
  record: InstanceRecord,
  history: HistoryEvent[],
): Promise<OrchestratorTurn> {
  const orchestrator = context.orchestrations.get(record.name);
  if (!orchestrator) return failedTurn(new Error(`No orchestration named "${record.name}" is registered`));
  const turn = await executeOrchestrator({
    orchestrator,
    name: record.name,
    instanceId: record.instanceId,
    input: record.input,
    history,
    log: context.log,
  });
  const unsupported = new Set(
    flattenActions(turn.actions)
      .map((action) => action.actionType)
      .filter((type) => !supportedActionTypes.has(type))
      .map(actionTypeName),
  );
  for (const w of turn.openWork) if (w.kind === 'unsupported') unsupported.add(w.description);
  if (unsupported.size > 0 && turn.outcome.kind !== 'failed') {
    return failedTurn(
      new Error(`The in-process orchestration driver does not support ${[...unsupported].join(', ')}`),
      turn,
    );
  }
  return turn;
}

function failedTurn(error: Error, turn?: OrchestratorTurn): OrchestratorTurn {
  return {
    actions: turn?.actions ?? [],
    outcome: { kind: 'failed', error },
    customStatus: turn?.customStatus,
    currentUtcDateTime: turn?.currentUtcDateTime ?? new Date().toISOString(),
    openWork: [],
  };
}

type SchedulableWork = Exclude<OpenWork, { kind: 'unsupported' }>;

function toWorkItem(work: SchedulableWork, record: InstanceRecord): WorkItem {
  const { instanceId, executionId } = record;
  return work.kind === 'activity'
    ? {
        kind: 'activity',
        instanceId,
        executionId,
        taskId: work.id,
        name: work.name,
        turn: record.turn,
        input: { value: work.input },
      }
    : { kind: 'timer', instanceId, executionId, timerId: work.id, fireAt: work.fireAt };
}

function withoutInput(item: WorkItem): WorkItem {
  if (item.kind !== 'activity') return item;
  const { input: _input, ...rest } = item;
  return rest;
}

/** The sequence number a completion event answers, if it is one. */
function completionId(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case HistoryEventType.TaskCompleted:
    case HistoryEventType.TaskFailed:
      return event.TaskScheduledId;
    case HistoryEventType.TimerFired:
      return event.TimerId;
    default:
      return undefined;
  }
}

function isScheduling(event: HistoryEvent): boolean {
  return (
    event.EventType === HistoryEventType.TaskScheduled || event.EventType === HistoryEventType.TimerCreated
  );
}
