import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { ActionType } from '../../../src/local/durable/OrchestratorAction';
import { historyEvents as h, replayOrchestrator, startOfHistory } from '../../support/orchestratorReplay';

const t0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

interface RoundInput {
  round: number;
  rounds: number;
  total: number;
}

/** Fan out three activities, wait a minute, then continue as new or finish. */
const fanOutRounds: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<RoundInput>();
  context.df.setCustomStatus({ round: input.round });
  const results = (yield context.df.Task.all(
    [1, 2, 3].map((n) => context.df.callActivity('double', n)),
  )) as number[];
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  const total = input.total + results.reduce((a, b) => a + b, 0);
  if (input.round + 1 < input.rounds) {
    context.df.continueAsNew({ ...input, round: input.round + 1, total });
    return undefined;
  }
  return total;
};

const firstRound: RoundInput = { round: 0, rounds: 2, total: 0 };

function fannedOutAndCompleted(input: RoundInput) {
  return [
    ...startOfHistory('fanOutRounds', input, at(0)),
    h.taskScheduled(0, 'double', 1, at(0)),
    h.taskScheduled(1, 'double', 2, at(0)),
    h.taskScheduled(2, 'double', 3, at(0)),
    h.orchestratorCompleted(at(0)),
    h.orchestratorStarted(at(5)),
    h.taskCompleted(0, 2, at(1)),
    h.taskCompleted(1, 4, at(2)),
    h.taskCompleted(2, 6, at(3)),
  ];
}

describe('Task.all of activities', () => {
  it('yields one CallActivity action per activity, nested in a WhenAll', async () => {
    const result = await replayOrchestrator(fanOutRounds, startOfHistory('fanOutRounds', firstRound, at(0)), {
      input: firstRound,
    });

    expect(result.isDone).toBe(false);
    expect(result.actions).toEqual([
      {
        actionType: ActionType.WhenAll,
        compoundActions: [
          { actionType: ActionType.CallActivity, functionName: 'double', input: 1 },
          { actionType: ActionType.CallActivity, functionName: 'double', input: 2 },
          { actionType: ActionType.CallActivity, functionName: 'double', input: 3 },
        ],
      },
    ]);
    expect(result.openWork).toEqual([
      { kind: 'activity', id: 0, name: 'double', input: 1 },
      { kind: 'activity', id: 1, name: 'double', input: 2 },
      { kind: 'activity', id: 2, name: 'double', input: 3 },
    ]);
    expect(result.customStatus).toEqual({ round: 0 });
  });

  it('is yielded again on replay, not scheduled again: the only new action is the next one', async () => {
    const result = await replayOrchestrator(fanOutRounds, fannedOutAndCompleted(firstRound), {
      input: firstRound,
    });

    expect(result.actions).toHaveLength(2);
    expect(result.actions[1]).toEqual({
      actionType: ActionType.CreateTimer,
      fireAt: at(65).toISOString(),
      isCanceled: false,
    });
    expect(result.openWork).toEqual([{ kind: 'timer', id: 3, fireAt: at(65).toISOString() }]);
  });
});

describe('createTimer', () => {
  it('yields CreateTimer at a time derived from currentUtcDateTime, and resumes when it fires', async () => {
    const history = [
      ...fannedOutAndCompleted(firstRound),
      h.timerCreated(3, at(65), at(5)),
      h.orchestratorCompleted(at(5)),
      h.orchestratorStarted(at(66)),
      h.timerFired(3, at(65), at(66)),
    ];
    const result = await replayOrchestrator(fanOutRounds, history, { input: firstRound });

    expect(result.isDone).toBe(true);
    expect(result.continueAsNew).toEqual({ input: { round: 1, rounds: 2, total: 12 } });
  });
});

describe('continueAsNew', () => {
  it('is reported with its input, as a ContinueAsNew action', async () => {
    const history = [
      ...fannedOutAndCompleted(firstRound),
      h.timerCreated(3, at(65), at(5)),
      h.orchestratorCompleted(at(5)),
      h.orchestratorStarted(at(66)),
      h.timerFired(3, at(65), at(66)),
    ];
    const result = await replayOrchestrator(fanOutRounds, history, { input: firstRound });

    expect(result.actions.at(-1)).toEqual({
      actionType: ActionType.ContinueAsNew,
      input: { round: 1, rounds: 2, total: 12 },
    });
    expect(result.output).toBeUndefined();
  });

  it('is not called in the last round: the orchestrator completes with its output', async () => {
    const lastRound: RoundInput = { round: 1, rounds: 2, total: 12 };
    const history = [
      ...fannedOutAndCompleted(lastRound),
      h.timerCreated(3, at(65), at(5)),
      h.orchestratorCompleted(at(5)),
      h.orchestratorStarted(at(66)),
      h.timerFired(3, at(65), at(66)),
    ];
    const result = await replayOrchestrator(fanOutRounds, history, { input: lastRound });

    expect(result).toMatchObject({ isDone: true, output: 24 });
    expect(result.continueAsNew).toBeUndefined();
  });
});

describe('callActivityWithRetry', () => {
  const retrying: OrchestrationHandler = function* (context) {
    return (yield context.df.callActivityWithRetry('flaky', new df.RetryOptions(1_000, 2), 'x')) as string;
  };

  it('waits on a retry timer after a failure, then schedules the next attempt under a new number', async () => {
    const failedOnce = [
      ...startOfHistory('retrying', undefined, at(0)),
      h.taskScheduled(0, 'flaky', 'x', at(0)),
      h.orchestratorCompleted(at(0)),
      h.orchestratorStarted(at(2)),
      h.taskFailed(0, new Error('boom'), at(1)),
    ];
    const afterFailure = await replayOrchestrator(retrying, failedOnce);
    expect(afterFailure.actions).toEqual([
      {
        actionType: ActionType.CallActivityWithRetry,
        functionName: 'flaky',
        input: '"x"',
        retryOptions: { firstRetryIntervalInMilliseconds: 1_000, maxNumberOfAttempts: 2 },
      },
    ]);
    expect(afterFailure.openWork).toEqual([{ kind: 'timer', id: 1, fireAt: at(3).toISOString() }]);

    const retried = await replayOrchestrator(retrying, [
      ...failedOnce,
      h.timerCreated(1, at(3), at(2)),
      h.orchestratorCompleted(at(2)),
      h.orchestratorStarted(at(3)),
      h.timerFired(1, at(3), at(3)),
    ]);
    expect(retried.openWork).toEqual([{ kind: 'activity', id: 2, name: 'flaky', input: 'x' }]);
  });
});

describe('waitForExternalEvent', () => {
  const approval: OrchestrationHandler = function* (context) {
    context.df.setCustomStatus('waiting');
    const decision = (yield context.df.waitForExternalEvent('approval')) as { approved: boolean };
    return decision.approved;
  };

  it('yields WaitForExternalEvent, and completes with the raised event data', async () => {
    const waiting = await replayOrchestrator(approval, startOfHistory('approval', undefined, at(0)));
    expect(waiting.actions).toEqual([
      { actionType: ActionType.WaitForExternalEvent, externalEventName: 'approval', reason: 'ExternalEvent' },
    ]);
    expect(waiting.openWork).toEqual([]);
    expect(waiting.customStatus).toBe('waiting');

    const raised = await replayOrchestrator(approval, [
      ...startOfHistory('approval', undefined, at(0)),
      h.orchestratorCompleted(at(0)),
      h.orchestratorStarted(at(9)),
      h.eventRaised('approval', { approved: true }, at(9)),
    ]);
    expect(raised).toMatchObject({ isDone: true, output: true });
  });
});

describe('newGuid', () => {
  const guids: OrchestrationHandler = function* (context) {
    context.df.setCustomStatus([
      context.df.newGuid(context.df.instanceId),
      context.df.newGuid(context.df.instanceId),
    ]);
    yield context.df.callActivity('step');
  };

  it('derives from the instance id and the OrchestratorStarted time, so replays agree', async () => {
    const first = await replayOrchestrator(guids, startOfHistory('guids', undefined, at(0)), {
      instanceId: 'a',
    });
    const again = await replayOrchestrator(guids, startOfHistory('guids', undefined, at(0)), {
      instanceId: 'a',
    });
    const later = await replayOrchestrator(guids, startOfHistory('guids', undefined, at(1)), {
      instanceId: 'a',
    });
    const other = await replayOrchestrator(guids, startOfHistory('guids', undefined, at(0)), {
      instanceId: 'b',
    });

    const ids = first.customStatus as string[];
    expect(new Set(ids).size).toBe(2);
    expect(again.customStatus).toEqual(ids);
    expect(later.customStatus).not.toEqual(ids);
    expect(other.customStatus).not.toEqual(ids);
  });
});

describe('an orchestrator that throws', () => {
  it('is reported as failed with its own error, not the SDK wrapper', async () => {
    const failing: OrchestrationHandler = function* (context) {
      yield context.df.callActivity('step');
      throw new RangeError('no capacity');
    };
    const result = await replayOrchestrator(failing, [
      ...startOfHistory('failing', undefined, at(0)),
      h.taskScheduled(0, 'step', undefined, at(0)),
      h.orchestratorCompleted(at(0)),
      h.orchestratorStarted(at(1)),
      h.taskCompleted(0, undefined, at(1)),
    ]);
    expect(result.isDone).toBe(false);
    expect(result.error).toBeInstanceOf(RangeError);
    expect(result.error?.message).toBe('no capacity');
  });
});
