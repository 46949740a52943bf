/**
 * One guard per dependency and service (a region's blob, queue or table service, the state store,
 * the work queue): every call through it fails at once while the dependency's circuit is open, and
 * is otherwise given the one signal that ends it, whichever comes first of its own budget (by kind
 * of operation and profile), the deadline of the request or message it serves, and its caller's
 * signal. An ended call is reported as `UnavailableError` naming the dependency, so the HTTP layer
 * answers 503 with `Retry-After` and the name, and a worker retries later.
 */
import { UnavailableError } from '../../domain/errors';
import type { EventLog } from '../../ports/EventLog';
import type { Budgets, CallProfile, OperationKind } from './budgets';
import { CircuitBreaker, type BreakerPermit, type BreakerState } from './CircuitBreaker';
import { currentScope } from './deadlineScope';

/** What a finished call's error says about the dependency. */
export type CallOutcome = 'answered' | 'no-answer';

/** How long a client is told to wait after a timeout with the circuit still closed. */
const retryAfterTimeoutSeconds = 5;

export class DependencyGuards {
  private readonly guards = new Map<string, DependencyGuard>();

  constructor(
    readonly budgets: Budgets,
    private readonly events?: EventLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** The guard of `dependency` (as health names it) for one of its services, made on first use. */
  guard(dependency: string, service: string): DependencyGuard {
    const key = `${dependency}/${service}`;
    let guard = this.guards.get(key);
    if (!guard) {
      guard = new DependencyGuard(dependency, service, this.budgets, this.events, this.now);
      this.guards.set(key, guard);
    }
    return guard;
  }

  /** The dependencies with a service whose circuit is open now (not yet due for a probe). */
  openDependencies(): Set<string> {
    return new Set(
      [...this.guards.values()].filter((g) => g.breakerState === 'open').map((g) => g.dependency),
    );
  }
}

export class DependencyGuard {
  private readonly breaker: CircuitBreaker;

  constructor(
    readonly dependency: string,
    readonly service: string,
    private readonly budgets: Budgets,
    events: EventLog | undefined,
    now: () => number,
  ) {
    this.breaker = new CircuitBreaker({
      ...budgets.breaker,
      now,
      onStateChange: (state, consecutiveFailures) =>
        events?.emit(`dependency.circuit-${state}`, { dependency, service, consecutiveFailures }),
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** The budget of one call of this kind made now: from the request's or the worker's table. */
  budgetFor(kind: OperationKind, profile: CallProfile = currentScope()?.profile ?? 'worker'): number {
    return this.budgets[profile][kind];
  }

  /**
   * Runs one call: `run` receives the signal to hand the SDK and must pass it on, so that the call
   * itself (connect, retries, body) is aborted, not merely abandoned while it goes on.
   * `classify` tells an error the dependency answered with (a 404, a 412) from no answer at all.
   */
  async call<T>(
    kind: OperationKind,
    run: (signal: AbortSignal) => Promise<T>,
    options: { callerSignal?: AbortSignalLike | undefined; classify?: (err: unknown) => CallOutcome } = {},
  ): Promise<T> {
    const scope = currentScope();
    if (scope?.signal.aborted) throw this.scopeEnded(scope.profile);
    const admission = this.breaker.admit();
    if ('rejected' in admission) {
      const seconds = Math.ceil(admission.retryAfterMs / 1000);
      throw new UnavailableError(
        `${this.dependency} is not answering (${this.service}); calls to it fail at once for another ${seconds} s`,
        { dependency: this.dependency, retryAfterSeconds: seconds, worthRetryingNow: false },
      );
    }
    const budget = this.budgetFor(kind, scope?.profile);
    const timeout = AbortSignal.timeout(budget);
    const signals: AbortSignal[] = [timeout];
    if (scope) signals.push(scope.signal);
    const caller = toAbortSignal(options.callerSignal);
    if (caller) signals.push(caller);
    const signal = signals.length === 1 ? timeout : AbortSignal.any(signals);
    const permit: BreakerPermit = admission.permit;
    try {
      const result = await run(signal);
      permit.succeeded();
      return result;
    } catch (err) {
      if (caller?.aborted) {
        // The caller gave up (a health check's own timeout, a cancelled request): not the dependency's doing.
        permit.released();
        throw err;
      }
      if (timeout.aborted) {
        permit.failed();
        throw new UnavailableError(
          `${this.dependency} did not answer a ${kind} (${this.service}) within ${budget} ms`,
          {
            dependency: this.dependency,
            retryAfterSeconds: this.retryAfterSeconds(),
            cause: err,
          },
        );
      }
      if (scope?.signal.aborted) {
        permit.released();
        throw this.scopeEnded(scope.profile, err);
      }
      const outcome = options.classify?.(err) ?? classifyError(err);
      if (outcome === 'answered') {
        permit.succeeded();
        throw err;
      }
      permit.failed();
      // The network error's code says how (refused, reset); its text, which names addresses, stays in `cause`.
      throw new UnavailableError(
        `${this.dependency} could not be reached (${this.service}): ${noAnswerCode(err)}`,
        {
          dependency: this.dependency,
          retryAfterSeconds: this.retryAfterSeconds(),
          cause: err,
        },
      );
    }
  }

  private retryAfterSeconds(): number {
    const open = this.breaker.remainingOpenMs;
    return open > 0 ? Math.ceil(open / 1000) : retryAfterTimeoutSeconds;
  }

  private scopeEnded(profile: CallProfile, cause?: unknown): UnavailableError {
    return new UnavailableError(
      `${this.dependency} (${this.service}) did not answer before the ${profile}'s deadline`,
      {
        dependency: this.dependency,
        retryAfterSeconds: retryAfterTimeoutSeconds,
        worthRetryingNow: false,
        cause,
      },
    );
  }
}

/** What the SDKs accept as a signal; `AbortSignal.any` needs real ones. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

function toAbortSignal(signal: AbortSignalLike | undefined): AbortSignal | undefined {
  if (!signal) return undefined;
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller.signal;
}

/** Codes Node and the Azure SDKs give a request that got no answer: refused, reset, unreachable. */
const noAnswerCodes = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
];

/**
 * No answer is an error without an HTTP status whose code or message names a network failure;
 * anything the service itself answered with (any status) is an answer.
 */
export function classifyError(err: unknown): CallOutcome {
  const error = err as { statusCode?: unknown; status?: unknown } | null;
  if (typeof error?.statusCode === 'number' || typeof error?.status === 'number') return 'answered';
  return noAnswerCode(err) === undefined ? 'answered' : 'no-answer';
}

function noAnswerCode(err: unknown): string | undefined {
  const error = err as { code?: unknown; message?: unknown } | null;
  const text = [error?.code, error?.message]
    .filter((part) => typeof part === 'string')
    .join(' ')
    .toUpperCase();
  return noAnswerCodes.find((code) => text.includes(code));
}
