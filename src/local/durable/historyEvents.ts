/**
 * Orchestration history events in the plain-JSON shape the Durable extension hands the
 * durable-functions executor. The driver stores them; the replay harness scripts them.
 */

/** The event types the executor reads, numbered as DurableTask.Core numbers them. */
export const HistoryEventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

/** `FailureDetails` on a TaskFailed event; the executor turns it into a `TaskFailedError`. */
export interface FailureDetailsPayload {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable: boolean;
}

export interface HistoryEvent {
  EventType: number;
  /** The sequence number of TaskScheduled and TimerCreated; -1 for the rest. */
  EventId: number;
  /** True for events of earlier turns: the executor reports them through `isReplaying`. */
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  /** JSON text, as the extension stores payloads. */
  Input?: string;
  Result?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetailsPayload;
  OrchestrationStatus?: string;
}

type Time = Date | string;

function event(type: number, timestamp: Time, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: iso(timestamp), ...fields };
}

function iso(time: Time): string {
  return typeof time === 'string' ? new Date(time).toISOString() : time.toISOString();
}

/** JSON text of a payload; `undefined` becomes `null`, as the host serialises a missing result. */
function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** Builders for each event, so stored and scripted histories have one shape. */
export const historyEvents = {
  /** Opens every turn; its timestamp is the orchestrator's `currentUtcDateTime` for that turn. */
  orchestratorStarted: (timestamp: Time): HistoryEvent =>
    event(HistoryEventType.OrchestratorStarted, timestamp),

  executionStarted: (name: string, input: unknown, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.ExecutionStarted, timestamp, {
      Name: name,
      ...(input === undefined ? {} : { Input: jsonText(input) }),
    }),

  taskScheduled: (eventId: number, name: string, input: unknown, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.TaskScheduled, timestamp, {
      EventId: eventId,
      Name: name,
      ...(input === undefined ? {} : { Input: jsonText(input) }),
    }),

  taskCompleted: (taskScheduledId: number, result: unknown, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.TaskCompleted, timestamp, {
      TaskScheduledId: taskScheduledId,
      Result: jsonText(result),
    }),

  taskFailed: (taskScheduledId: number, error: Error, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.TaskFailed, timestamp, {
      TaskScheduledId: taskScheduledId,
      Reason: error.message,
      Details: error.stack ?? '',
      FailureDetails: {
        ErrorType: error.name,
        ErrorMessage: error.message,
        ...(error.stack ? { StackTrace: error.stack } : {}),
        IsNonRetriable: false,
      },
    }),

  timerCreated: (eventId: number, fireAt: Time, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.TimerCreated, timestamp, { EventId: eventId, FireAt: iso(fireAt) }),

  timerFired: (timerId: number, fireAt: Time, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.TimerFired, timestamp, { TimerId: timerId, FireAt: iso(fireAt) }),

  eventRaised: (name: string, input: unknown, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.EventRaised, timestamp, {
      Name: name,
      ...(input === undefined ? {} : { Input: jsonText(input) }),
    }),

  orchestratorCompleted: (timestamp: Time): HistoryEvent =>
    event(HistoryEventType.OrchestratorCompleted, timestamp),

  executionCompleted: (status: 'Completed' | 'Failed', result: unknown, timestamp: Time): HistoryEvent =>
    event(HistoryEventType.ExecutionCompleted, timestamp, {
      OrchestrationStatus: status,
      Result: jsonText(result),
    }),
};
