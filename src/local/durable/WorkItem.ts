/** The messages of a task hub's queues: activities to run, timers to fire, turns to take. */

export interface ActivityWorkItem {
  kind: 'activity';
  instanceId: string;
  executionId: string;
  /** The sequence number the TaskCompleted/TaskFailed event must carry. */
  taskId: number;
  name: string;
  /** The turn whose history row holds the TaskScheduled event, and with it the input. */
  turn: number;
  /** The input itself when it fits in a queue message; otherwise read from the history row. */
  input?: { value: unknown };
}

export interface TimerWorkItem {
  kind: 'timer';
  instanceId: string;
  executionId: string;
  timerId: number;
  fireAt: string;
}

/** Something new may be waiting for the instance: take a turn. */
export interface TurnRequest {
  kind: 'turn';
  instanceId: string;
}

export type WorkItem = ActivityWorkItem | TimerWorkItem;

/** The control queue carries turns and timers: both end in a turn of the orchestrator. */
export type ControlMessage = TurnRequest | TimerWorkItem;
