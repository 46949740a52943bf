/**
 * Replay tests of the activation and deactivation drivers. Each run takes the orchestrator turn by
 * turn through the durable-functions SDK's own executor, over a history built as the Durable
 * extension builds it (TaskScheduled then TaskCompleted, TimerCreated then TimerFired, a fresh
 * history after continueAsNew), with every activity answered by an in-memory model of one
 * activation: its state, its owner epoch, and per wave the tasks planned, dispatched and settled.
 */
import type { OrchestrationHandler } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import type { DriverProgress, PlanCursor } from '../../src/app/ActivationSteps';
import type { ActivationDriverInput } from '../../src/app/activationOrchestrations';
import type { ActivationState } from '../../src/domain/activation';
import type { RecoveryState } from '../../src/domain/recoveryTask';
import {
  ActivationActivities as A,
  activationDriver,
  deactivationDriver,
  pollsPerExecution,
  type ActivationDriverState,
  type DeactivationDriverState,
} from '../../src/functions/activationWorkflow';
import { HistoryEventType } from '../../src/local/durable/historyEvents';
import { ActionType, flattenActions } from '../../src/local/durable/OrchestratorAction';
import {
  historyEvents as h,
  replayOrchestrator,
  startOfHistory,
  type HistoryEvent,
} from '../support/orchestratorReplay';

const t0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number): string => new Date(t0.getTime() + seconds * 1000).toISOString();
/** How long every activity takes: the next turn starts this long after the one that scheduled it. */
const latencyInMs = 2_000;
const minute = 60_000;

// ---------------------------------------------------------------------------------------------
// The driver loop: one turn at a time, as the Durable extension would run the orchestrator.
// ---------------------------------------------------------------------------------------------

interface StepInput {
  driver: ActivationDriverInput;
  cursor?: PlanCursor;
  after?: number;
  wave?: number;
  outcome?: string;
}

type Answer = (name: string, input: StepInput, at: Date) => unknown;

/** One activity or timer the orchestrator scheduled, with what it answered. */
interface Step {
  execution: number;
  kind: 'activity' | 'timer';
  /** The activity's name, or 'timer'. */
  name: string;
  input?: StepInput;
  result?: unknown;
  scheduledAt: number;
  /** When the activity completed, or the timer fired. */
  doneAt: number;
  fireAt?: number;
}

interface Turn {
  execution: number;
  at: number;
  customStatus: unknown;
  scheduled: Step[];
}

interface Execution {
  input: unknown;
  /** Events in the execution's history once it ended, OrchestratorCompleted included. */
  historyLength: number;
  /** The actions of the last turn beyond the work already in history (types). */
  lastTurnNewActions: number[];
  continueAsNew?: unknown;
  output?: unknown;
}

interface Run {
  executions: Execution[];
  steps: Step[];
  turns: Turn[];
  output: unknown;
}

const isScheduling = (event: HistoryEvent): boolean =>
  event.EventType === HistoryEventType.TaskScheduled || event.EventType === HistoryEventType.TimerCreated;

async function runDriver(
  orchestrator: OrchestrationHandler,
  name: string,
  input: unknown,
  answer: Answer,
  limits = { executions: 40, turnsPerExecution: 400 },
): Promise<Run> {
  const run: Run = { executions: [], steps: [], turns: [], output: undefined };
  let now = t0.getTime();
  let executionInput = input;
  for (let execution = 0; execution < limits.executions; execution += 1) {
    const history: HistoryEvent[] = startOfHistory(name, executionInput, new Date(now));
    const scheduled = new Set<number>();
    for (let turns = 0; ; turns += 1) {
      if (turns >= limits.turnsPerExecution) throw new Error(`Execution ${execution} never ended`);
      const result = await replayOrchestrator(orchestrator, history, {
        name,
        instanceId: 'activation-1',
        input: executionInput,
      });
      if (result.error) throw result.error;
      const turn: Turn = { execution, at: now, customStatus: result.customStatus, scheduled: [] };
      run.turns.push(turn);

      if (result.isDone) {
        const inHistory = history.filter(isScheduling).length;
        const actionTypes = flattenActions(result.actions).map((a) => a.actionType);
        history.push(h.orchestratorCompleted(new Date(now)));
        if (!result.continueAsNew) {
          history.push(h.executionCompleted('Completed', result.output, new Date(now)));
        }
        run.executions.push({
          input: executionInput,
          historyLength: history.length,
          lastTurnNewActions: actionTypes.slice(inHistory),
          ...(result.continueAsNew
            ? { continueAsNew: result.continueAsNew.input }
            : { output: result.output }),
        });
        if (!result.continueAsNew) {
          run.output = result.output;
          return run;
        }
        // As Durable does: a new execution, a fresh history, the new input.
        executionInput = result.continueAsNew.input;
        break;
      }

      const work = result.openWork.filter((w) => typeof w.id === 'number' && !scheduled.has(w.id));
      if (work.length === 0) throw new Error(`Execution ${execution} waits on nothing`);
      const completions: { at: number; event: HistoryEvent }[] = [];
      for (const w of work) {
        if (w.kind === 'unsupported') throw new Error(w.description);
        scheduled.add(w.id);
        if (w.kind === 'activity') {
          history.push(h.taskScheduled(w.id, w.name, w.input, new Date(now)));
          const stepInput = w.input as StepInput;
          const answered = answer(w.name, stepInput, new Date(now));
          const doneAt = now + latencyInMs;
          const step: Step = {
            execution,
            kind: 'activity',
            name: w.name,
            input: stepInput,
            result: answered,
            scheduledAt: now,
            doneAt,
          };
          run.steps.push(step);
          turn.scheduled.push(step);
          completions.push({ at: doneAt, event: h.taskCompleted(w.id, answered, new Date(doneAt)) });
        } else {
          const fireAt = Date.parse(w.fireAt);
          history.push(h.timerCreated(w.id, new Date(fireAt), new Date(now)));
          const step: Step = {
            execution,
            kind: 'timer',
            name: 'timer',
            scheduledAt: now,
            doneAt: fireAt,
            fireAt,
          };
          run.steps.push(step);
          turn.scheduled.push(step);
          completions.push({ at: fireAt, event: h.timerFired(w.id, new Date(fireAt), new Date(fireAt)) });
        }
      }
      history.push(h.orchestratorCompleted(new Date(now)));
      now = Math.max(now, ...completions.map((c) => c.at));
      history.push(h.orchestratorStarted(new Date(now)), ...completions.map((c) => c.event));
    }
  }
  throw new Error(`The driver did not end within ${limits.executions} executions`);
}

function label(step: Step): string {
  if (step.kind === 'timer') return 'timer';
  const input = step.input!;
  const args =
    step.name === A.planPage
      ? [input.cursor?.continuationToken ?? 'start']
      : step.name === A.nextWave
        ? [`after ${String(input.after)}`]
        : [input.wave, input.outcome].filter((arg) => arg !== undefined);
  return `${step.name}(${args.join(', ')})`;
}

/** The steps of each execution, as labels. */
function trace(run: Run): string[][] {
  return run.executions.map((_, execution) =>
    run.steps.filter((step) => step.execution === execution).map(label),
  );
}

function repeat<T>(times: number, items: T[]): T[] {
  return Array.from({ length: times }, () => items).flat();
}

// ---------------------------------------------------------------------------------------------
// The in-memory activation the activities read and change.
// ---------------------------------------------------------------------------------------------

interface FakeWave {
  planned: number;
  dispatched: number;
  /** Of the dispatched tasks, those with an end. */
  settled: number;
  skipped: number;
  cancelled: number;
  deadlineAt?: string;
  outcome?: string;
}

type Match = (name: string, input: StepInput) => boolean;
const named =
  (activity: string): Match =>
  (name) =>
    name === activity;
const polling =
  (wave?: number): Match =>
  (name, input) =>
    name === A.progress && input.wave === wave;

class FakeActivation {
  epoch = 3;
  pageSize = 1_000;
  planPages = 1;
  waveDeadlineInMs = 3_600_000;
  /** Tasks that reach an end at each progress poll (of the polled wave, or of any wave). */
  settlePerPoll = Number.POSITIVE_INFINITY;
  /**
   * Waves whose devices wait for capacity while the driver waits on the wave itself: they settle
   * only once the driver has moved on and polls the whole activation.
   */
  readonly stuck = new Set<number>();
  readonly waves = new Map<number, FakeWave>();
  // Deactivation: tasks holding a temporary device, those sent to be released, and released.
  toRelease = 0;
  releasing = 0;
  released = 0;
  releasePerPoll = Number.POSITIVE_INFINITY;
  private readonly hooks: {
    match: Match;
    nth: number;
    seen: number;
    run: (model: FakeActivation) => void;
  }[] = [];

  constructor(public state: ActivationState) {}

  wave(wave: number, planned: number, skipped = 0): this {
    this.waves.set(wave, { planned, dispatched: 0, settled: 0, skipped, cancelled: 0 });
    return this;
  }

  /** Runs `run` just before the `nth` matching step answers. */
  on(match: Match, nth: number, run: (model: FakeActivation) => void): this {
    this.hooks.push({ match, nth, seen: 0, run });
    return this;
  }

  /** Another driver adopts the activation (a higher epoch) just before the `nth` matching step. */
  adoptedAt(match: Match, nth: number): this {
    return this.on(match, nth, (model) => {
      model.epoch += 1;
    });
  }

  driver(pollIntervalInMs: number): ActivationDriverInput {
    return { tenantId: 'tenant-1', activationId: 'activation-1', epoch: this.epoch, pollIntervalInMs };
  }

  readonly answer: Answer = (name, input, now) => {
    for (const hook of this.hooks) {
      if (hook.match(name, input) && ++hook.seen === hook.nth) hook.run(this);
    }
    if (input.driver.epoch !== this.epoch) return { stale: true };
    switch (name) {
      case A.planPage:
        return this.planPage(input.cursor);
      case A.nextWave:
        return this.nextWave(input.after!);
      case A.startWave: {
        const wave = this.waves.get(input.wave!)!;
        wave.deadlineAt ??= new Date(now.getTime() + this.waveDeadlineInMs).toISOString();
        return { deadlineAt: wave.deadlineAt };
      }
      case A.dispatchPage: {
        if (this.state !== 'recovering') return { dispatched: 0, stopped: true };
        const wave = this.waves.get(input.wave!)!;
        const dispatched = Math.min(this.pageSize, wave.planned);
        wave.planned -= dispatched;
        wave.dispatched += dispatched;
        return { dispatched, stopped: false };
      }
      case A.progress:
        return this.progress(input.wave);
      case A.endWave: {
        const wave = this.waves.get(input.wave!)!;
        wave.outcome ??= input.outcome;
        return {};
      }
      case A.finish:
        return this.finish();
      case A.releasePage: {
        if (this.state !== 'deactivating') return { released: 0 };
        const released = Math.min(this.pageSize, this.toRelease);
        this.toRelease -= released;
        this.releasing += released;
        return { released };
      }
      case A.finishDeactivation:
        if (this.state === 'deactivating') this.state = 'deactivated';
        return {};
      default:
        throw new Error(`No activity named ${name}`);
    }
  };

  private planPage(cursor: PlanCursor | undefined) {
    if (this.state !== 'planning') return { done: true };
    const index = cursor?.index ?? 0;
    if (index + 1 < this.planPages) {
      return {
        done: false,
        cursor: { phase: 'scope', index: index + 1, continuationToken: `token-${index + 1}` },
      };
    }
    this.state = 'recovering';
    return { done: true };
  }

  private nextWave(after: number) {
    if (this.state !== 'recovering') return { stopped: true };
    const next = [...this.waves.keys()]
      .filter((wave) => wave > after && this.waves.get(wave)!.planned > 0)
      .sort((a, b) => a - b)[0];
    return next === undefined ? { stopped: false } : { wave: next, stopped: false };
  }

  private progress(wave: number | undefined): DriverProgress {
    let budget = this.settlePerPoll;
    const settling =
      wave === undefined ? [...this.waves.values()] : this.stuck.has(wave) ? [] : [this.waves.get(wave)!];
    for (const w of settling) {
      const settled = Math.min(budget, w.dispatched - w.settled);
      w.settled += settled;
      budget -= settled;
    }
    const released = Math.min(this.releasePerPoll, this.releasing);
    this.releasing -= released;
    this.released += released;
    return this.summary(wave);
  }

  summary(wave?: number): DriverProgress {
    const all = [...this.waves.values()];
    const sum = (of: (w: FakeWave) => number) => all.reduce((total, w) => total + of(w), 0);
    const counts: Partial<Record<RecoveryState, number>> = {
      planned: sum((w) => w.planned),
      queued: sum((w) => w.dispatched - w.settled),
      recovered: sum((w) => w.settled) + this.toRelease,
      skipped: sum((w) => w.skipped),
      cancelled: sum((w) => w.cancelled),
      releasing: this.releasing,
      released: this.released,
    };
    const progress: DriverProgress = {
      state: this.state,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      settled: sum((w) => w.settled + w.skipped + w.cancelled) + this.released,
      releasing: this.releasing,
      counts: Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0)),
    };
    if (wave !== undefined) {
      const w = this.waves.get(wave)!;
      progress.waveTotal = w.planned + w.dispatched + w.skipped + w.cancelled;
      progress.waveSettled = w.settled + w.skipped + w.cancelled;
    }
    return progress;
  }

  private finish() {
    if (this.state === 'cancelled') {
      // One page of never-dispatched tasks cancelled per call; `more` while a page was found.
      let page = this.pageSize;
      let cancelled = 0;
      for (const w of this.waves.values()) {
        const n = Math.min(page, w.planned);
        w.planned -= n;
        w.cancelled += n;
        page -= n;
        cancelled += n;
      }
      return { more: cancelled > 0 };
    }
    if (this.state === 'recovering') this.state = 'completed';
    return { more: false };
  }
}

const activate = (model: FakeActivation, input: ActivationDriverState) =>
  runDriver(activationDriver, 'activationDriver', input, model.answer);
const deactivate = (model: FakeActivation, input: DeactivationDriverState) =>
  runDriver(deactivationDriver, 'deactivationDriver', input, model.answer);

// ---------------------------------------------------------------------------------------------

describe('activationDriver', () => {
  it('plans page by page, then takes the waves nextWave gives, each dispatched, waited on and ended', async () => {
    const model = new FakeActivation('planning').wave(0, 1_500).wave(1, 10).wave(2, 0, 4).wave(3, 5);
    model.planPages = 3;
    model.settlePerPoll = 1_000;
    const driver = model.driver(minute);

    const run = await activate(model, driver);

    expect(trace(run)).toEqual([
      ['activationPlanPage(start)'],
      ['activationPlanPage(token-1)'],
      ['activationPlanPage(token-2)'],
      [
        'activationNextWave(after -1)',
        'activationStartWave(0)',
        'activationDispatchPage(0)',
        'activationDispatchPage(0)',
        'activationDispatchPage(0)',
        'activationProgress(0)',
        'timer',
        'activationProgress(0)',
        'activationEndWave(0, done)',
      ],
      [
        'activationNextWave(after 0)',
        'activationStartWave(1)',
        'activationDispatchPage(1)',
        'activationDispatchPage(1)',
        'activationProgress(1)',
        'activationEndWave(1, done)',
      ],
      [
        'activationNextWave(after 1)',
        'activationStartWave(3)',
        'activationDispatchPage(3)',
        'activationDispatchPage(3)',
        'activationProgress(3)',
        'activationEndWave(3, done)',
      ],
      ['activationNextWave(after 3)'],
      ['activationProgress()', 'activationFinish()'],
    ]);
    expect(
      run.steps
        .filter((s) => s.name === A.dispatchPage)
        .map((s) => (s.result as { dispatched: number }).dispatched),
    ).toEqual([1_000, 500, 0, 10, 0, 5, 0]);
    expect(run.executions.map((e) => e.continueAsNew)).toEqual([
      { ...driver, stage: 'plan', cursor: { phase: 'scope', index: 1, continuationToken: 'token-1' } },
      { ...driver, stage: 'plan', cursor: { phase: 'scope', index: 2, continuationToken: 'token-2' } },
      { ...driver, stage: 'waves' },
      { ...driver, stage: 'waves', wave: 0 },
      { ...driver, stage: 'waves', wave: 1 },
      { ...driver, stage: 'waves', wave: 3 },
      { ...driver, stage: 'settle' },
      undefined,
    ]);
    // A continued execution's last turn adds only its ContinueAsNew; the completed one adds nothing.
    expect(run.executions.map((e) => e.lastTurnNewActions)).toEqual([
      ...repeat(7, [[ActionType.ContinueAsNew]]),
      [],
    ]);
    expect(run.output).toBe('finished');
    expect(model.state).toBe('completed');
    expect([...model.waves].map(([wave, w]) => [wave, w.outcome])).toEqual([
      [0, 'done'],
      [1, 'done'],
      [2, undefined],
      [3, 'done'],
    ]);
  });

  it('waits for a wave on a durable timer pollIntervalInMs after each unsettled poll', async () => {
    const model = new FakeActivation('recovering').wave(0, 4);
    model.settlePerPoll = 1;
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    const [waves] = trace(run);
    expect(waves).toEqual([
      'activationNextWave(after -1)',
      'activationStartWave(0)',
      'activationDispatchPage(0)',
      'activationDispatchPage(0)',
      ...repeat(3, ['activationProgress(0)', 'timer']),
      'activationProgress(0)',
      'activationEndWave(0, done)',
    ]);
    const steps = run.steps.filter((s) => s.execution === 0);
    const timers = steps.flatMap((step, i) => (step.kind === 'timer' ? [i] : []));
    expect(timers).toHaveLength(3);
    for (const i of timers) {
      const [poll, timer, next] = [steps[i - 1]!, steps[i]!, steps[i + 1]!];
      const progress = poll.result as DriverProgress;
      expect(progress.waveSettled).toBeLessThan(progress.waveTotal!);
      // Created in the turn the poll completed, to fire one interval later; the next poll follows it.
      expect(timer.scheduledAt).toBe(poll.doneAt);
      expect(timer.fireAt).toBe(timer.scheduledAt + minute);
      expect(next.scheduledAt).toBe(timer.fireAt);
    }
    // The first poll is scheduled at 8 s (four activities of 2 s before it) and completes at 10 s.
    expect(new Date(steps[timers[0]!]!.fireAt!).toISOString()).toBe(at(70));
    expect(run.output).toBe('finished');
  });

  it('polls a wave sooner once its pace says it will be done within the interval', async () => {
    const model = new FakeActivation('recovering').wave(0, 1_000);
    model.settlePerPoll = 400;
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    const [waves] = trace(run);
    expect(waves!.slice(-6)).toEqual([
      ...repeat(2, ['activationProgress(0)', 'timer']),
      'activationProgress(0)',
      'activationEndWave(0, done)',
    ]);
    // 400 settled at the first poll (no pace yet: a whole interval); 400 more in the 62 s to the
    // second, so the last 200 are due in 31 s, and the third poll finds the wave done.
    const timers = run.steps.filter((s) => s.kind === 'timer');
    expect(timers.map((t) => t.fireAt! - t.scheduledAt)).toEqual([minute, 31_000]);
    expect(model.waves.get(0)!.outcome).toBe('done');
  });

  it('ends a wave that never settles with outcome deadline once the deadline passes, never waiting past it', async () => {
    const model = new FakeActivation('recovering').wave(0, 3).wave(1, 2);
    model.stuck.add(0);
    model.waveDeadlineInMs = 150_000;
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    expect(trace(run)).toEqual([
      [
        'activationNextWave(after -1)',
        'activationStartWave(0)',
        'activationDispatchPage(0)',
        'activationDispatchPage(0)',
        ...repeat(3, ['activationProgress(0)', 'timer']),
        'activationProgress(0)',
        'activationEndWave(0, deadline)',
      ],
      [
        'activationNextWave(after 0)',
        'activationStartWave(1)',
        'activationDispatchPage(1)',
        'activationDispatchPage(1)',
        'activationProgress(1)',
        'activationEndWave(1, done)',
      ],
      ['activationNextWave(after 1)'],
      ['activationProgress()', 'activationFinish()'],
    ]);
    // startWave ran at 2 s: the deadline is 152 s. Timers at +60 s, except the one capped at it.
    const deadline = Date.parse(model.waves.get(0)!.deadlineAt!);
    expect(new Date(deadline).toISOString()).toBe(at(152));
    const timers = run.steps.filter((s) => s.execution === 0 && s.kind === 'timer');
    expect(timers.map((t) => new Date(t.fireAt!).toISOString())).toEqual([at(70), at(132), at(152)]);
    for (const timer of timers) expect(timer.fireAt).toBe(Math.min(timer.scheduledAt + minute, deadline));
    const polls = run.steps.filter((s) => s.execution === 0 && s.name === A.progress);
    expect(polls.slice(0, -1).every((p) => p.doneAt < deadline)).toBe(true);
    expect(polls.at(-1)!.doneAt).toBeGreaterThanOrEqual(deadline);
    expect(model.waves.get(0)!.outcome).toBe('deadline');
    expect(run.output).toBe('finished');
  });

  it('goes to settle and finishes page by page when progress reports the activation cancelled', async () => {
    const model = new FakeActivation('recovering').wave(0, 1_000).wave(1, 2_500);
    model.settlePerPoll = 100;
    model.on(polling(0), 2, (m) => {
      m.state = 'cancelled';
    });
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    expect(trace(run)).toEqual([
      [
        'activationNextWave(after -1)',
        'activationStartWave(0)',
        'activationDispatchPage(0)',
        'activationDispatchPage(0)',
        'activationProgress(0)',
        'timer',
        'activationProgress(0)',
        // The wave's record says it ended by the cancel.
        'activationEndWave(0, cancelled)',
      ],
      ['activationProgress()', ...repeat(4, ['activationFinish()'])],
    ]);
    expect(run.executions[0]!.continueAsNew).toEqual({ ...driver, stage: 'settle' });
    expect(run.steps.filter((s) => s.name === A.finish).map((s) => s.result)).toEqual([
      { more: true },
      { more: true },
      { more: true },
      { more: false },
    ]);
    expect(model.waves.get(1)!.cancelled).toBe(2_500);
    expect(run.output).toBe('finished');
  });

  it('goes to settle and finishes when dispatch reports it stopped', async () => {
    const model = new FakeActivation('recovering').wave(0, 2_500).wave(1, 7);
    model.on(named(A.dispatchPage), 2, (m) => {
      m.state = 'cancelled';
    });
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    expect(trace(run)).toEqual([
      [
        'activationNextWave(after -1)',
        'activationStartWave(0)',
        'activationDispatchPage(0)',
        'activationDispatchPage(0)',
        'activationEndWave(0, cancelled)',
      ],
      ['activationProgress()', ...repeat(3, ['activationFinish()'])],
    ]);
    expect(run.steps[3]!.result).toEqual({ dispatched: 0, stopped: true });
    expect(run.executions[0]!.continueAsNew).toEqual({ ...driver, stage: 'settle' });
    expect(run.output).toBe('finished');
  });

  it('keeps every execution history bounded while dispatching a wave of 250,000 devices', async () => {
    const model = new FakeActivation('recovering').wave(0, 250_000);
    const run = await activate(model, { ...model.driver(minute), stage: 'waves' });
    expect(model.waves.get(0)!.dispatched).toBe(250_000);
    expect(run.executions.length).toBeGreaterThan(5);
    expect(Math.max(...run.executions.map((e) => e.historyLength))).toBeLessThanOrEqual(
      3 + 8 * pollsPerExecution + 4 * 4,
    );
  });

  it('keeps every execution history bounded while cancelling 250,000 never-dispatched tasks', async () => {
    const model = new FakeActivation('recovering').wave(0, 1_000).wave(1, 250_000);
    model.on(polling(0), 1, (m) => {
      m.state = 'cancelled';
    });
    const run = await activate(model, { ...model.driver(minute), stage: 'waves' });
    expect(model.waves.get(1)!.cancelled).toBe(250_000);
    expect(run.output).toBe('finished');
    expect(Math.max(...run.executions.map((e) => e.historyLength))).toBeLessThanOrEqual(
      3 + 8 * pollsPerExecution + 4 * 4,
    );
  });

  it('goes to settle when nextWave reports it stopped between waves', async () => {
    const model = new FakeActivation('recovering').wave(0, 5).wave(1, 5);
    model.on(named(A.endWave), 1, (m) => {
      m.state = 'cancelled';
    });
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    expect(trace(run).slice(1)).toEqual([
      ['activationNextWave(after 0)'],
      ['activationProgress()', 'activationFinish()', 'activationFinish()'],
    ]);
    expect(run.executions[1]!.continueAsNew).toEqual({ ...driver, stage: 'settle' });
    expect(run.output).toBe('finished');
  });

  const staleActivationCases: { step: string; match: Match; nth: number }[] = [
    { step: 'the second planPage', match: named(A.planPage), nth: 2 },
    { step: 'the second nextWave', match: named(A.nextWave), nth: 2 },
    { step: 'startWave', match: named(A.startWave), nth: 1 },
    { step: 'the second dispatchPage', match: named(A.dispatchPage), nth: 2 },
    { step: 'a wave poll after a timer', match: polling(0), nth: 2 },
    { step: 'endWave', match: named(A.endWave), nth: 1 },
    { step: 'a settle poll', match: polling(undefined), nth: 1 },
    { step: 'finish', match: named(A.finish), nth: 1 },
  ];

  it.each(staleActivationCases)(
    'ends with stale, scheduling nothing more, when $step is stale',
    async (c) => {
      // Two planning pages; wave 0 takes two polls; wave 1 reaches its deadline; one settle poll.
      const model = new FakeActivation('planning').wave(0, 2_000).wave(1, 3);
      model.planPages = 2;
      model.settlePerPoll = 1_000;
      model.stuck.add(1);
      model.waveDeadlineInMs = 150_000;
      model.adoptedAt(c.match, c.nth);

      const run = await activate(model, model.driver(minute));

      expect(run.output).toBe('stale');
      const last = run.steps.at(-1)!;
      expect(last.kind).toBe('activity');
      expect(c.match(last.name, last.input!)).toBe(true);
      expect(run.steps.filter((s) => s.kind === 'activity' && c.match(s.name, s.input!))).toHaveLength(c.nth);
      expect(last.result).toEqual({ stale: true });
      expect(run.executions.at(-1)!.lastTurnNewActions).toEqual([]);
    },
  );

  it('keeps every execution history bounded while a wave takes 500 polls, resuming the wait without restarting the wave', async () => {
    const model = new FakeActivation('recovering').wave(0, 500);
    model.settlePerPoll = 1;
    model.waveDeadlineInMs = 24 * 3_600_000;
    const driver = model.driver(1_000);

    const run = await activate(model, { ...driver, stage: 'waves' });

    expect(run.output).toBe('finished');
    expect(run.steps.filter((s) => s.name === A.progress && s.input!.wave === 0)).toHaveLength(500);
    const traces = trace(run);
    // 500 polls, 50 per execution: the first and nine resumed waits, then the next wave and settle.
    expect(traces).toHaveLength(12);
    expect(traces[0]).toEqual([
      'activationNextWave(after -1)',
      'activationStartWave(0)',
      'activationDispatchPage(0)',
      'activationDispatchPage(0)',
      ...repeat(pollsPerExecution, ['activationProgress(0)', 'timer']),
    ]);
    for (const waiting of traces.slice(1, 9)) {
      expect(waiting).toEqual(repeat(pollsPerExecution, ['activationProgress(0)', 'timer']));
    }
    expect(traces[9]).toEqual([
      ...repeat(pollsPerExecution - 1, ['activationProgress(0)', 'timer']),
      'activationProgress(0)',
      'activationEndWave(0, done)',
    ]);
    expect(run.steps.filter((s) => s.name === A.startWave || s.name === A.dispatchPage)).toHaveLength(3);

    const deadlineAt = model.waves.get(0)!.deadlineAt;
    for (const execution of run.executions.slice(0, 9)) {
      expect(execution.continueAsNew).toEqual({
        ...driver,
        stage: 'waves',
        wave: 0,
        waiting: true,
        deadlineAt,
      });
    }
    expect(run.executions[9]!.continueAsNew).toEqual({ ...driver, stage: 'waves', wave: 0 });

    // Per poll: TaskScheduled, OrchestratorCompleted, OrchestratorStarted, TaskCompleted, then the
    // same four for its timer. A resumed wait: 2 opening events + 50 × 8 + the last OrchestratorCompleted.
    const lengths = run.executions.map((e) => e.historyLength);
    expect(lengths.slice(1, 9)).toEqual(repeat(8, [3 + 8 * pollsPerExecution]));
    expect(lengths.slice(1, 9)).toEqual(repeat(8, [403]));
    // The first execution adds nextWave, startWave and two dispatch pages: 4 events each.
    expect(lengths[0]).toBe(403 + 4 * 4);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(420);
    // One execution with all 500 polls would have held ten times as many.
    expect(lengths.reduce((a, b) => a + b, 0)).toBeGreaterThan(4_000);
  });

  it('settles after the last wave: polls the whole activation on a timer, continuing as new, then finishes', async () => {
    const model = new FakeActivation('recovering').wave(0, 120);
    model.stuck.add(0);
    model.settlePerPoll = 1;
    model.waveDeadlineInMs = 90_000;
    const driver = model.driver(minute);

    const run = await activate(model, { ...driver, stage: 'waves' });

    const traces = trace(run);
    expect(traces.slice(0, 2)).toEqual([
      [
        'activationNextWave(after -1)',
        'activationStartWave(0)',
        'activationDispatchPage(0)',
        'activationDispatchPage(0)',
        ...repeat(2, ['activationProgress(0)', 'timer']),
        'activationProgress(0)',
        'activationEndWave(0, deadline)',
      ],
      ['activationNextWave(after 0)'],
    ]);
    // 120 settle polls, one device settling at each: 50, 50, then 20 and finish.
    expect(traces.slice(2)).toEqual([
      repeat(pollsPerExecution, ['activationProgress()', 'timer']),
      repeat(pollsPerExecution, ['activationProgress()', 'timer']),
      [...repeat(19, ['activationProgress()', 'timer']), 'activationProgress()', 'activationFinish()'],
    ]);
    expect(run.executions.slice(1, 4).map((e) => e.continueAsNew)).toEqual(
      repeat(3, [{ ...driver, stage: 'settle' }]),
    );
    const settlePolls = run.steps.filter((s) => s.name === A.progress && s.input!.wave === undefined);
    const results = settlePolls.map((s) => s.result as DriverProgress);
    expect(results.slice(0, -1).every((p) => p.settled < p.total)).toBe(true);
    expect(results.at(-1)).toMatchObject({ settled: 120, total: 120 });
    for (const step of run.steps.filter((s) => s.execution >= 2 && s.kind === 'timer')) {
      expect(step.fireAt).toBe(step.scheduledAt + minute);
    }
    expect(model.state).toBe('completed');
    expect(run.output).toBe('finished');
  });

  it('reports its stage and counts as custom status', async () => {
    const model = new FakeActivation('planning').wave(0, 1_500).wave(1, 10).wave(2, 0, 4).wave(3, 5);
    model.settlePerPoll = 1_000;

    const run = await activate(model, model.driver(minute));

    expect(run.turns.find((t) => t.execution === 0 && t.customStatus !== undefined)?.customStatus).toEqual({
      stage: 'planning',
    });
    // The turn that waits on the first timer of wave 0: its first poll settled 1,000 of 1,500.
    const waiting = run.turns.find((t) => t.scheduled[0]?.kind === 'timer');
    expect(waiting?.customStatus).toEqual({
      stage: 'recovering',
      wave: 0,
      waveTotal: 1_500,
      waveSettled: 1_000,
      total: 1_519,
      settled: 1_004,
      counts: { planned: 15, queued: 500, recovered: 1_000, skipped: 4 },
    });
    expect(run.turns.at(-1)?.customStatus).toEqual({
      stage: 'settling',
      total: 1_519,
      settled: 1_519,
      counts: { recovered: 1_515, skipped: 4 },
    });
  });
});

describe('a step that fails', () => {
  const input: ActivationDriverState = {
    tenantId: 'tenant-1',
    activationId: 'activation-1',
    epoch: 1,
    pollIntervalInMs: minute,
  };
  const failure = new Error('Batch request error: socket hang up');

  /**
   * The first planPage failed `failures` times, each failure followed by the SDK's back-off timer
   * (fired, except after the last when `lastTimerFired` is false).
   */
  function history(failures: number, lastTimerFired: boolean): HistoryEvent[] {
    const events = startOfHistory('activationDriver', input, t0);
    let id = 0;
    for (let attempt = 1; attempt <= failures; attempt++) {
      const failedAt = new Date(t0.getTime() + attempt * 60_000);
      events.push(h.taskScheduled(id, A.planPage, { driver: input }, failedAt));
      events.push(h.orchestratorCompleted(failedAt), h.orchestratorStarted(failedAt));
      events.push(h.taskFailed(id, failure, failedAt));
      if (attempt === failures && !lastTimerFired) break;
      const fireAt = new Date(failedAt.getTime() + 2_000 * 2 ** (attempt - 1));
      events.push(h.timerCreated(id + 1, fireAt, failedAt));
      events.push(h.orchestratorCompleted(failedAt), h.orchestratorStarted(fireAt));
      events.push(h.timerFired(id + 1, fireAt, fireAt));
      id += 2;
    }
    return events;
  }

  it('is tried again after a back-off, rather than failing the driver', async () => {
    const result = await replayOrchestrator(activationDriver, history(1, false), {
      name: 'activationDriver',
      input,
    });
    expect(result.error).toBeUndefined();
    expect(result.isDone).toBe(false);
    const [retry] = result.openWork;
    expect(retry).toMatchObject({ kind: 'timer' });
  });

  it('fails the driver after five attempts, so its lease lapses and a fresh driver adopts the activation', async () => {
    const result = await replayOrchestrator(activationDriver, history(5, true), {
      name: 'activationDriver',
      input,
    });
    expect(result.error?.message).toContain('socket hang up');
  });
});

describe('deactivationDriver', () => {
  it('releases pages until none is left, waits until nothing is releasing, looks once more, then finishes', async () => {
    const model = new FakeActivation('deactivating');
    model.toRelease = 2_500;
    model.releasePerPoll = 1_000;
    const driver = model.driver(minute);

    const run = await deactivate(model, driver);

    expect(trace(run)).toEqual([
      repeat(4, ['deactivationReleasePage()']),
      [
        ...repeat(2, ['activationProgress()', 'timer']),
        'activationProgress()',
        'deactivationReleasePage()',
        'deactivationFinish()',
      ],
    ]);
    expect(run.steps.filter((s) => s.name === A.releasePage).map((s) => s.result)).toEqual([
      { released: 1_000 },
      { released: 1_000 },
      { released: 500 },
      { released: 0 },
      { released: 0 },
    ]);
    expect(
      run.steps.filter((s) => s.name === A.progress).map((s) => (s.result as DriverProgress).releasing),
    ).toEqual([1_500, 500, 0]);
    // The first wait is the interval; then 1,000 were released in 62 s, so the last 500 are
    // looked for 31 s later rather than a whole interval.
    const timers = run.steps.filter((s) => s.kind === 'timer');
    expect(timers.map((t) => t.fireAt! - t.scheduledAt)).toEqual([minute, 31_000]);
    expect(run.executions[0]!.continueAsNew).toEqual({ ...driver, stage: 'wait' });
    expect(run.output).toBe('finished');
    expect(model.state).toBe('deactivated');
    expect(run.turns.find((t) => t.scheduled[0]?.kind === 'timer')?.customStatus).toEqual({
      stage: 'releasing',
      total: 2_500,
      settled: 1_000,
      counts: { releasing: 1_500, released: 1_000 },
    });
  });

  it('keeps waiting when the last look releases more', async () => {
    const model = new FakeActivation('deactivating');
    model.toRelease = 10;
    // A recovery raced the first pass: seven more devices to release, five released per poll.
    model.on(named(A.releasePage), 3, (m) => {
      m.toRelease += 7;
      m.releasePerPoll = 5;
    });

    const run = await deactivate(model, model.driver(minute));

    expect(trace(run)).toEqual([
      repeat(2, ['deactivationReleasePage()']),
      [
        'activationProgress()',
        'deactivationReleasePage()',
        'activationProgress()',
        'timer',
        'activationProgress()',
        'deactivationReleasePage()',
        'deactivationFinish()',
      ],
    ]);
    expect(run.steps.filter((s) => s.name === A.releasePage).map((s) => s.result)).toEqual([
      { released: 10 },
      { released: 0 },
      { released: 7 },
      { released: 0 },
    ]);
    expect(run.output).toBe('finished');
    expect(model.released).toBe(17);
  });

  it('completes without finishing when the activation is no longer deactivating', async () => {
    const model = new FakeActivation('deactivating');
    model.toRelease = 10;
    model.releasePerPoll = 1;
    model.on(polling(undefined), 2, (m) => {
      m.state = 'deactivated';
    });

    const run = await deactivate(model, model.driver(minute));

    expect(trace(run)).toEqual([
      repeat(2, ['deactivationReleasePage()']),
      ['activationProgress()', 'timer', 'activationProgress()'],
    ]);
    expect(run.output).toBe('finished');
    expect(run.executions.at(-1)!.lastTurnNewActions).toEqual([]);
  });

  it('continues as new every pollsPerExecution pages while releasing', async () => {
    const model = new FakeActivation('deactivating');
    model.toRelease = 120;
    model.pageSize = 1;
    const driver = model.driver(minute);

    const run = await deactivate(model, driver);

    expect(trace(run)).toEqual([
      repeat(pollsPerExecution, ['deactivationReleasePage()']),
      repeat(pollsPerExecution, ['deactivationReleasePage()']),
      repeat(21, ['deactivationReleasePage()']),
      ['activationProgress()', 'deactivationReleasePage()', 'deactivationFinish()'],
    ]);
    expect(run.executions.map((e) => e.continueAsNew)).toEqual([
      { ...driver, stage: 'release' },
      { ...driver, stage: 'release' },
      { ...driver, stage: 'wait' },
      undefined,
    ]);
    expect(run.executions.slice(0, 2).map((e) => e.historyLength)).toEqual([203, 203]);
    expect(run.output).toBe('finished');
  });

  const staleDeactivationCases: { step: string; match: Match; nth: number }[] = [
    { step: 'the first releasePage', match: named(A.releasePage), nth: 1 },
    { step: 'the second progress poll', match: polling(undefined), nth: 2 },
    { step: 'the last look (releasePage while waiting)', match: named(A.releasePage), nth: 5 },
    { step: 'deactivationFinish', match: named(A.finishDeactivation), nth: 1 },
  ];

  it.each(staleDeactivationCases)(
    'ends with stale, scheduling nothing more, when $step is stale',
    async (c) => {
      const model = new FakeActivation('deactivating');
      model.toRelease = 2_500;
      model.releasePerPoll = 1_000;
      model.adoptedAt(c.match, c.nth);

      const run = await deactivate(model, model.driver(minute));

      expect(run.output).toBe('stale');
      const last = run.steps.at(-1)!;
      expect(c.match(last.name, last.input!)).toBe(true);
      expect(run.steps.filter((s) => s.kind === 'activity' && c.match(s.name, s.input!))).toHaveLength(c.nth);
      expect(last.result).toEqual({ stale: true });
      expect(run.executions.at(-1)!.lastTurnNewActions).toEqual([]);
      expect(model.state).toBe('deactivating');
    },
  );
});
