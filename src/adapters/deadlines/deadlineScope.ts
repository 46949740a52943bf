/**
 * The deadline of the work in progress (an HTTP request, a queue message), carried by
 * AsyncLocalStorage so that every dependency call made on its behalf, however deep, is ended by it
 * without each call site passing a signal along. Calls made outside any scope (timers, activities,
 * the queue host's own receives) still get their per-call budget.
 *
 * A scope ends with its work: what the work started and did not wait for (a sibling of a failed
 * `Promise.all`) is aborted then, so nothing a request began is applied after its answer. A timer
 * or interval created inside a scope keeps the scope as its async context; once the scope has
 * ended it no longer applies there, so background work that happened to start during a request
 * (a log's flush timer) is neither bound by nor failed for a deadline that is not its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallProfile } from './budgets';

export interface DeadlineScope {
  readonly profile: CallProfile;
  /** Epoch milliseconds after which nothing more is started and what runs is aborted. */
  readonly deadlineAt: number;
  /** Aborted at `deadlineAt` (`DeadlineExceeded`), or when the work settles (`ScopeEnded`). */
  readonly signal: AbortSignal;
}

/** Why a scope's signal was aborted: its deadline passed. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly profile: CallProfile,
    readonly budgetInMs: number,
  ) {
    super(`The ${profile}'s deadline of ${budgetInMs} ms has passed`);
    this.name = 'DeadlineExceeded';
  }
}

/** Why a scope's signal was aborted: its work had settled (been answered) while this call still ran. */
export class ScopeEnded extends Error {
  constructor(readonly profile: CallProfile) {
    super(`The ${profile} this call was made for has already been answered`);
    this.name = 'ScopeEnded';
  }
}

interface Scope extends DeadlineScope {
  ended: boolean;
  readonly outer: Scope | undefined;
}

const scopes = new AsyncLocalStorage<Scope>();

/** The innermost scope whose work is still in progress, if any. */
export function currentScope(): DeadlineScope | undefined {
  return liveScope(scopes.getStore());
}

function liveScope(scope: Scope | undefined): Scope | undefined {
  while (scope?.ended) scope = scope.outer;
  return scope;
}

/**
 * Runs `work` with a deadline `budgetInMs` from now; inside an enclosing scope, the earlier of the
 * two holds. The timer is cleared when `work` settles, so a finished request leaves nothing behind.
 */
export async function withDeadline<T>(
  profile: CallProfile,
  budgetInMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const outer = liveScope(scopes.getStore());
  const controller = new AbortController();
  const budget = Math.max(0, budgetInMs);
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(profile, budget)), budget);
  timer.unref();
  const onOuterAbort = () => controller.abort(outer!.signal.reason);
  if (outer) {
    if (outer.signal.aborted) controller.abort(outer.signal.reason);
    else outer.signal.addEventListener('abort', onOuterAbort, { once: true });
  }
  const deadlineAt = Math.min(Date.now() + budget, outer?.deadlineAt ?? Infinity);
  const scope: Scope = { profile, deadlineAt, signal: controller.signal, ended: false, outer };
  try {
    return await scopes.run(scope, work);
  } finally {
    scope.ended = true;
    clearTimeout(timer);
    outer?.signal.removeEventListener('abort', onOuterAbort);
    controller.abort(new ScopeEnded(profile));
  }
}
