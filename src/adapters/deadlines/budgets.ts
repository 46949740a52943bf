/**
 * How long the control plane waits on anything outside its own process, in one place. A region that
 * stops answering then costs a request seconds, never minutes, and a worker never holds a message
 * past its lock waiting on it. Read once: the composition root takes these (tests may pass tighter
 * ones), every dependency client gets them when it is built.
 */

/** Where a call is made from: an HTTP request (someone waits for the answer) or a worker. */
export type CallProfile = 'request' | 'worker';

/** What a call does, as far as its duration goes. */
export type OperationKind = 'read' | 'write' | 'copy';

export interface Budgets {
  /** An HTTP request answers within this, with 503 naming the dependency when one did not answer. */
  httpRequestInMs: number;
  /**
   * Of that bound, what is kept back for the request's own audit record: the handler's deadline is
   * the bound minus this, the record gets whatever the handler left.
   */
  auditReserveInMs: number;
  /** One call on a request's path, covering connect, every retry and the body. */
  request: Readonly<Record<OperationKind, number>>;
  /** One call from a worker, a timer or an activity: anything without a caller waiting. */
  worker: Readonly<Record<OperationKind, number>>;
  /** One queue message's handler in all (its calls are each bounded by `worker` too). */
  workerMessageInMs: number;
  /** Fetching the token issuer's key set (jose's `timeoutDuration`). */
  jwksFetchInMs: number;
  /** The circuit breaker of each dependency (region and service). */
  breaker: Readonly<{ failureThreshold: number; openForMs: number }>;
  /**
   * The storage SDKs' own retries inside a call's budget. Their defaults (4 tries, 4 s growing to
   * 120 s between them) are built for patience: 16 s went by before a refusing region was reported.
   */
  storageRetry: Readonly<{ maxTries: number; retryDelayInMs: number; maxRetryDelayInMs: number }>;
}

/**
 * The budgets and why:
 * - a request answers within 10 s: Front Door and the Functions host (230 s) would wait far
 *   longer, but an operator in an outage needs a fast "not now", and 10 s still holds a slow
 *   call followed by the request's audit record;
 * - a read on a request's path gets 5 s: healthy Cosmos DB and Storage answer in milliseconds, so
 *   5 s is only ever spent on a dependency that is not there; a write gets 6 s;
 * - a worker call gets 15 s, a copy start (`Put Page From URL` reads up to 4 MiB from its source
 *   server-side) too: under the shortest message lock there is (20 s: the `device-recovery`
 *   queue's `lockDuration` in infra, the embedded queue host's default), so no call outlives the
 *   lock it runs under even if a renewal failed; a message's handler stops after 4 min, under
 *   Service Bus' longest lock (5 min);
 * - three timeouts in a row open a dependency's circuit for 15 s: calls fail at once meanwhile,
 *   then one call probes it. 15 s is short against an outage and long against the few seconds a
 *   breaker saves per call; a probe every 15 s costs nothing.
 */
export const defaultBudgets: Budgets = {
  httpRequestInMs: 10_000,
  auditReserveInMs: 2_000,
  request: { read: 5_000, write: 6_000, copy: 6_000 },
  worker: { read: 15_000, write: 15_000, copy: 15_000 },
  workerMessageInMs: 4 * 60_000,
  jwksFetchInMs: 5_000,
  breaker: { failureThreshold: 3, openForMs: 15_000 },
  storageRetry: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
};

/** What a test may change: any part, the rest staying the defaults. */
export interface BudgetOverrides {
  httpRequestInMs?: number;
  auditReserveInMs?: number;
  request?: Partial<Record<OperationKind, number>>;
  worker?: Partial<Record<OperationKind, number>>;
  workerMessageInMs?: number;
  jwksFetchInMs?: number;
  breaker?: Partial<Budgets['breaker']>;
  storageRetry?: Partial<Budgets['storageRetry']>;
}

export function budgetsWith(overrides: BudgetOverrides = {}): Budgets {
  const budgets: Budgets = {
    ...defaultBudgets,
    ...definedOnly({
      httpRequestInMs: overrides.httpRequestInMs,
      auditReserveInMs: overrides.auditReserveInMs,
      workerMessageInMs: overrides.workerMessageInMs,
      jwksFetchInMs: overrides.jwksFetchInMs,
    }),
    request: { ...defaultBudgets.request, ...definedOnly(overrides.request ?? {}) },
    worker: { ...defaultBudgets.worker, ...definedOnly(overrides.worker ?? {}) },
    breaker: { ...defaultBudgets.breaker, ...definedOnly(overrides.breaker ?? {}) },
    storageRetry: { ...defaultBudgets.storageRetry, ...definedOnly(overrides.storageRetry ?? {}) },
  };
  if (budgets.auditReserveInMs >= budgets.httpRequestInMs)
    throw new RangeError('auditReserveInMs must be less than httpRequestInMs');
  return budgets;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
