/**
 * The drivers of an activation and its deactivation, with their activities. They decide only the
 * order of steps; every step reads and writes the state store (`ActivationSteps`), so a driver
 * can be replaced by a new one (after a crash, or by another region) that resumes from the record.
 *
 * Activation: plan the tasks page by page; then wave by wave (the first list, then tiers in
 * order) dispatch pages of ≤ 1,000 devices and poll the wave's counters on a durable timer until
 * it settles or its deadline passes; then wait for every device to settle and finish. Each page of
 * planning and each wave ends in `continueAsNew`, and a long wait every `pollsPerExecution` polls,
 * so history stays bounded at any fleet size.
 */
import {
  RetryOptions,
  type OrchestrationContext,
  type OrchestrationHandler,
  type Task,
} from 'durable-functions';
import { ActivationOrchestrations, type ActivationDriverInput } from '../app/activationOrchestrations';
import { nextPollDelay, type PollSample } from '../app/nextPollDelay';
import type { DriverProgress, PlanCursor } from '../app/ActivationSteps';
import type { WaveRecord } from '../domain/activation';
import { services } from '../compositionRoot';
import { defineActivity } from './define/defineActivity';
import { defineOrchestration } from './define/defineOrchestration';

export const ActivationActivities = {
  planPage: 'activationPlanPage',
  nextWave: 'activationNextWave',
  startWave: 'activationStartWave',
  dispatchPage: 'activationDispatchPage',
  progress: 'activationProgress',
  endWave: 'activationEndWave',
  finish: 'activationFinish',
  releasePage: 'deactivationReleasePage',
  finishDeactivation: 'deactivationFinish',
} as const;

/** Polls (or pages) of one execution before it continues as new: 8 history events per poll. */
export const pollsPerExecution = 50;

export interface ActivationDriverState extends ActivationDriverInput {
  stage?: 'plan' | 'waves' | 'settle';
  cursor?: PlanCursor;
  /** The wave being dispatched or waited on, or the last one finished. */
  wave?: number;
  /** The wave's dispatch goes on in this execution (a wave of more pages than one execution takes). */
  dispatching?: boolean;
  waiting?: boolean;
  deadlineAt?: string;
}

export interface DeactivationDriverState extends ActivationDriverInput {
  stage?: 'release' | 'wait';
}

type Stale = { stale: true };
type Result<T> = Stale | ({ stale?: false } & T);

function base(state: ActivationDriverInput): ActivationDriverInput {
  return {
    tenantId: state.tenantId,
    activationId: state.activationId,
    epoch: state.epoch,
    pollIntervalInMs: state.pollIntervalInMs,
  };
}

/**
 * When to poll next, given how many tasks the driver still waits for: the poll interval, or
 * sooner when their pace since the last poll says they will be done sooner (`nextPollDelay`).
 * Its memory is the execution's own, so a replay computes the same times.
 */
function pacer(context: OrchestrationContext, pollIntervalInMs: number): (remaining: number) => Date {
  let previous: PollSample | undefined;
  return (remaining) => {
    const current = { atMs: context.df.currentUtcDateTime.getTime(), remaining };
    const delay = nextPollDelay(pollIntervalInMs, previous, current);
    previous = current;
    return new Date(current.atMs + delay);
  };
}

function status(stage: string, progress: DriverProgress, wave?: number): unknown {
  return {
    stage,
    ...(wave === undefined ? {} : { wave, waveTotal: progress.waveTotal, waveSettled: progress.waveSettled }),
    total: progress.total,
    settled: progress.settled,
    counts: progress.counts,
  };
}

/**
 * Every step is idempotent (it re-reads the record and checks the lease), so a step that failed on
 * a dependency's blip — a dropped connection, a throttled request — is simply tried again, 2 s then
 * doubling, five times over half a minute, rather than failing the driver. A step that still fails
 * fails the driver; its lease then lapses and the activation is adopted by a fresh one.
 */
const stepRetry = Object.assign(new RetryOptions(2_000, 5), { backoffCoefficient: 2 });

function callStep(context: OrchestrationContext, name: string, input: unknown): Task {
  return context.df.callActivityWithRetry(name, stepRetry, input);
}

export const activationDriver: OrchestrationHandler = function* (context) {
  const state = context.df.getInput<ActivationDriverState>();
  const driver = base(state);
  const call = (name: string, extra: object = {}) => callStep(context, name, { driver, ...extra });
  /** The activation stopped mid-wave (cancelled): the wave's record says so, then settle. */
  function* endWaveThenSettle(
    wave: number,
    outcome: 'cancelled',
  ): Generator<Task, 'stale' | undefined, unknown> {
    const ended = (yield call(ActivationActivities.endWave, { wave, outcome })) as Result<object>;
    if (ended.stale) return 'stale';
    context.df.continueAsNew({ ...driver, stage: 'settle' });
    return undefined;
  }

  if ((state.stage ?? 'plan') === 'plan') {
    const planned = (yield call(ActivationActivities.planPage, { cursor: state.cursor })) as Result<
      { done: false; cursor: PlanCursor } | { done: true }
    >;
    if (planned.stale) return 'stale';
    context.df.setCustomStatus({ stage: 'planning' });
    context.df.continueAsNew(
      planned.done ? { ...driver, stage: 'waves' } : { ...driver, stage: 'plan', cursor: planned.cursor },
    );
    return undefined;
  }

  if (state.stage === 'waves') {
    let wave = state.wave;
    let deadlineAt = state.deadlineAt;
    if (!state.waiting && !state.dispatching) {
      const next = (yield call(ActivationActivities.nextWave, { after: wave ?? -1 })) as Result<{
        wave?: number;
        stopped: boolean;
      }>;
      if (next.stale) return 'stale';
      if (next.stopped || next.wave === undefined) {
        context.df.continueAsNew({ ...driver, stage: 'settle' });
        return undefined;
      }
      wave = next.wave;
      const started = (yield call(ActivationActivities.startWave, { wave })) as Result<{
        deadlineAt: string;
      }>;
      if (started.stale) return 'stale';
      deadlineAt = started.deadlineAt;
    }
    if (!state.waiting) {
      for (let page = 0; ; page += 1) {
        if (page === pollsPerExecution) {
          // A wave of more than 50,000 devices: history stays bounded here too.
          context.df.continueAsNew({ ...driver, stage: 'waves', wave, dispatching: true, deadlineAt });
          return undefined;
        }
        const dispatched = (yield call(ActivationActivities.dispatchPage, { wave })) as Result<{
          dispatched: number;
          stopped: boolean;
        }>;
        if (dispatched.stale) return 'stale';
        if (dispatched.stopped) return yield* endWaveThenSettle(wave!, 'cancelled');
        if (dispatched.dispatched === 0) break;
      }
    }
    const deadline = new Date(deadlineAt!);
    const nextPoll = pacer(context, state.pollIntervalInMs);
    for (let poll = 0; poll < pollsPerExecution; poll += 1) {
      const progress = (yield call(ActivationActivities.progress, { wave })) as Result<DriverProgress>;
      if (progress.stale) return 'stale';
      context.df.setCustomStatus(status('recovering', progress, wave));
      if (progress.state !== 'recovering') return yield* endWaveThenSettle(wave!, 'cancelled');
      const settled = progress.waveSettled! >= progress.waveTotal!;
      const now = context.df.currentUtcDateTime;
      if (settled || now >= deadline) {
        const outcome: WaveRecord['outcome'] = settled ? 'done' : 'deadline';
        const ended = (yield call(ActivationActivities.endWave, { wave, outcome })) as Result<object>;
        if (ended.stale) return 'stale';
        context.df.continueAsNew({ ...driver, stage: 'waves', wave });
        return undefined;
      }
      const next = nextPoll(progress.waveTotal! - progress.waveSettled!);
      yield context.df.createTimer(next < deadline ? next : deadline);
    }
    context.df.continueAsNew({ ...driver, stage: 'waves', wave, waiting: true, deadlineAt });
    return undefined;
  }

  // Settle: every wave is dispatched (or the activation stopped); devices waiting for capacity
  // keep retrying, and the activation completes once each device has an end.
  const nextPoll = pacer(context, state.pollIntervalInMs);
  for (let poll = 0; poll < pollsPerExecution; poll += 1) {
    const progress = (yield call(ActivationActivities.progress)) as Result<DriverProgress>;
    if (progress.stale) return 'stale';
    context.df.setCustomStatus(status('settling', progress));
    if (progress.state !== 'recovering' || progress.settled >= progress.total) {
      // Cancelled: one page of never-dispatched tasks per call, bounded per execution too.
      for (let page = 0; page < pollsPerExecution; page += 1) {
        const finished = (yield call(ActivationActivities.finish)) as Result<{ more: boolean }>;
        if (finished.stale) return 'stale';
        if (!finished.more) return 'finished';
      }
      context.df.continueAsNew({ ...driver, stage: 'settle' });
      return undefined;
    }
    yield context.df.createTimer(nextPoll(progress.total - progress.settled));
  }
  context.df.continueAsNew({ ...driver, stage: 'settle' });
  return undefined;
};

/**
 * Deactivation: send every task that may hold a temporary device to be released, wait until none
 * is left releasing, look once more (planning or a recovery may have raced the first pass), finish.
 */
export const deactivationDriver: OrchestrationHandler = function* (context) {
  const state = context.df.getInput<DeactivationDriverState>();
  const driver = base(state);
  const call = (name: string, extra: object = {}) => callStep(context, name, { driver, ...extra });

  if ((state.stage ?? 'release') === 'release') {
    for (let page = 0; page < pollsPerExecution; page += 1) {
      const released = (yield call(ActivationActivities.releasePage)) as Result<{ released: number }>;
      if (released.stale) return 'stale';
      if (released.released === 0) {
        context.df.continueAsNew({ ...driver, stage: 'wait' });
        return undefined;
      }
    }
    context.df.continueAsNew({ ...driver, stage: 'release' });
    return undefined;
  }

  const nextPoll = pacer(context, state.pollIntervalInMs);
  for (let poll = 0; poll < pollsPerExecution; poll += 1) {
    const progress = (yield call(ActivationActivities.progress)) as Result<DriverProgress>;
    if (progress.stale) return 'stale';
    context.df.setCustomStatus(status('releasing', progress));
    if (progress.state !== 'deactivating') return 'finished';
    if (progress.releasing === 0) {
      const again = (yield call(ActivationActivities.releasePage)) as Result<{ released: number }>;
      if (again.stale) return 'stale';
      if (again.released > 0) continue;
      const finished = (yield call(ActivationActivities.finishDeactivation)) as Result<object>;
      return finished.stale ? 'stale' : 'finished';
    }
    yield context.df.createTimer(nextPoll(progress.releasing));
  }
  context.df.continueAsNew({ ...driver, stage: 'wait' });
  return undefined;
};

defineOrchestration(ActivationOrchestrations.activate, activationDriver);
defineOrchestration(ActivationOrchestrations.deactivate, deactivationDriver);

interface StepInput {
  driver: ActivationDriverInput;
  cursor?: PlanCursor;
  after?: number;
  wave?: number;
  outcome?: NonNullable<WaveRecord['outcome']>;
}

const steps = () => services().activationSteps;
const activities: Record<keyof typeof ActivationActivities, (input: StepInput) => Promise<unknown>> = {
  planPage: (i) => steps().planPage(i.driver, i.cursor),
  nextWave: (i) => steps().nextWave(i.driver, i.after ?? -1),
  startWave: (i) => steps().startWave(i.driver, i.wave!),
  dispatchPage: (i) => steps().dispatchPage(i.driver, i.wave!),
  progress: (i) => steps().progress(i.driver, i.wave),
  endWave: (i) => steps().endWave(i.driver, i.wave!, i.outcome!),
  finish: (i) => steps().finish(i.driver),
  releasePage: (i) => steps().releasePage(i.driver),
  finishDeactivation: (i) => steps().finishDeactivation(i.driver),
};
for (const [key, name] of Object.entries(ActivationActivities)) {
  const run = activities[key as keyof typeof ActivationActivities];
  defineActivity(name, (input: unknown) => run(input as StepInput));
}
