import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { budgetsWith } from '../../../src/adapters/deadlines/budgets';
import { currentScope, withDeadline } from '../../../src/adapters/deadlines/deadlineScope';
import { classifyError, DependencyGuards } from '../../../src/adapters/deadlines/DependencyGuards';
import { UnavailableError } from '../../../src/domain/errors';

const budgets = budgetsWith({
  request: { read: 200, write: 300 },
  worker: { read: 400, write: 400 },
  breaker: { failureThreshold: 2, openForMs: 60_000 },
});

/** A call that never answers but ends when its signal does, as the SDKs' HTTP clients do. */
const neverAnswers = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () =>
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
    ),
  );

async function elapsed(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await work();
    return { ms: performance.now() - started, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe('DependencyGuard.call', () => {
  it('ends a call that does not answer at its budget, by aborting the signal it gave it, and names the dependency', async () => {
    const guard = new DependencyGuards(budgets).guard('storage:westeurope', 'blob');
    let seen: AbortSignal | undefined;
    const { ms, error } = await elapsed(() =>
      guard.call('read', (signal) => ((seen = signal), neverAnswers(signal))),
    );
    expect(seen?.aborted).toBe(true);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ dependency: 'storage:westeurope', code: 'dependency-unavailable' });
    // The worker budget applies outside any scope.
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(ms).toBeLessThan(2_000);
  });

  it("takes the request's budget inside a request's scope, and ends at the scope's deadline when it comes first", async () => {
    const guard = new DependencyGuards(budgets).guard('state-store', 'cosmos');
    const read = await elapsed(() => withDeadline('request', 5_000, () => guard.call('read', neverAnswers)));
    expect(read.ms).toBeGreaterThanOrEqual(180);
    expect(read.ms).toBeLessThan(1_500);
    const early = await elapsed(() => withDeadline('request', 50, () => guard.call('write', neverAnswers)));
    expect(early.ms).toBeLessThan(250);
    expect(early.error).toMatchObject({ dependency: 'state-store', worthRetryingNow: false });
    expect((early.error as Error).message).toMatch(/deadline/);
  });

  it('opens the circuit after the threshold of calls without an answer, then fails at once with Retry-After', async () => {
    const guards = new DependencyGuards(budgets);
    const guard = guards.guard('storage:westeurope', 'table');
    await elapsed(() => guard.call('read', neverAnswers));
    await elapsed(() => guard.call('read', neverAnswers));
    expect(guards.openDependencies()).toEqual(new Set(['storage:westeurope']));
    let ran = false;
    const { ms, error } = await elapsed(() => guard.call('read', async () => (ran = true)));
    expect(ran).toBe(false);
    expect(ms).toBeLessThan(50);
    expect(error).toMatchObject({
      dependency: 'storage:westeurope',
      retryAfterSeconds: 60,
      worthRetryingNow: false,
    });
    // The other region and the other services of the region keep their own circuits.
    expect(guards.guard('storage:northeurope', 'table').breakerState).toBe('closed');
    expect(guards.guard('storage:westeurope', 'blob').breakerState).toBe('closed');
  });

  it('counts a refused connection as no answer, and an answer with an error status as an answer', async () => {
    const guards = new DependencyGuards(budgets);
    const guard = guards.guard('storage:westeurope', 'blob');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const notFound = Object.assign(new Error('BlobNotFound'), { statusCode: 404 });
    await expect(guard.call('read', () => Promise.reject(notFound))).rejects.toBe(notFound);
    await expect(guard.call('read', () => Promise.reject(refused))).rejects.toMatchObject({
      dependency: 'storage:westeurope',
    });
    expect(guard.breakerState).toBe('closed');
    await expect(guard.call('read', () => Promise.reject(refused))).rejects.toBeInstanceOf(UnavailableError);
    expect(guard.breakerState).toBe('open');
  });

  it("does not blame the dependency when the caller's own signal ended the call", async () => {
    const guard = new DependencyGuards(budgets).guard('work-queue', 'queue');
    for (let i = 0; i < 3; i++) {
      const caller = new AbortController();
      setTimeout(() => caller.abort(), 10);
      const { error } = await elapsed(() =>
        guard.call('read', neverAnswers, { callerSignal: caller.signal }),
      );
      expect(error).toMatchObject({ name: 'AbortError' });
    }
    expect(guard.breakerState).toBe('closed');
  });
});

describe('withDeadline', () => {
  it('keeps the earlier of two nested deadlines and aborts with the reason', async () => {
    await withDeadline('worker', 100, async () => {
      const outer = currentScope()!;
      await withDeadline('request', 10_000, async () => {
        const inner = currentScope()!;
        expect(inner.deadlineAt).toBe(outer.deadlineAt);
        await sleep(150);
        expect(inner.signal.aborted).toBe(true);
        expect(inner.signal.reason).toMatchObject({ name: 'DeadlineExceeded', profile: 'worker' });
      });
    });
    expect(currentScope()).toBeUndefined();
  });
});

describe('withDeadline, when its work settles', () => {
  it('aborts what the work started and did not wait for, so nothing it began lands after the answer', async () => {
    const guard = new DependencyGuards(budgets).guard('state-store', 'cosmos');
    let straggler: Promise<unknown> | undefined;
    let signal: AbortSignal | undefined;
    await withDeadline('request', 5_000, async () => {
      straggler = guard.call('write', (s) => ((signal = s), neverAnswers(s))).catch((err: unknown) => err);
    });
    expect(signal?.aborted).toBe(true);
    expect(await straggler).toMatchObject({ dependency: 'state-store', worthRetryingNow: false });
    // Ended by its caller, not by the dependency: the circuit does not count it.
    expect(guard.breakerState).toBe('closed');
  });

  it('no longer applies to a timer that was started inside it and fires after', async () => {
    let seen: unknown = 'not yet';
    await withDeadline('request', 50, async () => {
      setTimeout(() => (seen = currentScope()), 100).unref();
    });
    await sleep(150);
    expect(seen).toBeUndefined();
  });
});

describe('classifyError', () => {
  it.each([
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'no-answer'],
    [{ code: 'REQUEST_SEND_ERROR', message: 'Error sending request' }, 'no-answer'],
    [{ name: 'RestError', message: 'connect ECONNREFUSED 127.0.0.1:9' }, 'no-answer'],
    [{ statusCode: 503, code: 'ServerBusy', message: 'busy' }, 'answered'],
    [{ code: 409, message: 'Conflict' }, 'answered'],
  ])('%j is %s', (err, outcome) => {
    expect(classifyError(err)).toBe(outcome);
  });
});
