/**
 * The ARM budget governor of one process (src/adapters/arm/pacing/ArmPacer.ts) against a model of
 * ARM's buckets (./armModel), on virtual time (./virtualTime): a lone pacer's conservative start
 * and what it learns, a 429's pause, the bound on a wait, the pacer inside the Azure SDK's own
 * pipeline (one retry layer). Sharing with other pacers, priorities and Compute's policies have
 * their own files beside this one.
 */
import {
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmPacer, type ArmPacerOptions } from '../../../../src/adapters/arm/pacing/ArmPacer';
import { armMaxRetries } from '../../../../src/adapters/arm/pacing/armLimits';
import { UnavailableError } from '../../../../src/domain/errors';
import { ArmModel, other, snapshotUrl, subscription } from './armModel';
import { quiesce, virtualTime, type VirtualTime } from './virtualTime';

function setUp(options: Partial<ArmPacerOptions> = {}, timer: VirtualTime = virtualTime()) {
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const pacer = new ArmPacer(
    { emit: (event, properties) => events.push({ event, properties }) },
    { region: 'westeurope', timer, ...options },
  );
  const arm = new ArmModel(timer);
  const call = (method: string, url: string) =>
    pacer.policy().sendRequest(createPipelineRequest({ method: method as 'GET', url }), arm.send);
  return { timer, events, pacer, arm, call };
}

describe('ArmPacer, alone', () => {
  it('starts conservative: its first call waits one token of refill, and that answer’s remaining count lets the rest of the bucket go at once', async () => {
    const { arm, call, pacer, timer } = setUp({ maxWaitInMs: 60_000 });
    const start = timer.now;
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => call('PUT', snapshotUrl(subscription, `s${i}`))),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(arm.sent.filter((s) => s.status === 429)).toHaveLength(0);
    // The probe after one write token of refill (10 a second), alone; then the 199 its answer reported.
    expect(arm.sent[0]!.at - start).toBe(100);
    expect(arm.sent.filter((s) => s.at - start === 100)).toHaveLength(200);
    // The other 100 at the documented refill, never sooner; a report that arrives after the clock
    // moved is applied as of its arrival, so it may cost a refill or two, never add one.
    const last = arm.sent.at(-1)!.at - start;
    expect(last).toBeGreaterThanOrEqual(10_100);
    expect(last).toBeLessThanOrEqual(10_400);
    expect(pacer.totals()).toMatchObject({ calls: 300, waits: 300, throttled: 0, refused: 0 });
  });

  it('keeps one bucket per subscription and per kind (read, write, delete), each learning its own', async () => {
    const { arm, call, pacer, timer } = setUp();
    const start = timer.now;
    await Promise.all([
      ...Array.from({ length: 200 }, () => call('PUT', snapshotUrl(subscription))),
      ...Array.from({ length: 200 }, () => call('POST', snapshotUrl(other) + '&action=beginGetAccess')),
      ...Array.from({ length: 250 }, () => call('GET', snapshotUrl(subscription))),
      ...Array.from({ length: 200 }, () => call('DELETE', snapshotUrl(subscription))),
    ]);
    // Every bucket was full: after its probe (one token of its own refill) all of it went at once.
    expect(arm.sent.every((s) => s.status === 200)).toBe(true);
    expect(Math.max(...arm.sent.map((s) => s.at - start))).toBe(100);
    expect(
      pacer
        .snapshot()
        .map((b) => `${b.subscriptionId}/${b.kind}:${b.calls}`)
        .sort(),
    ).toEqual(
      [
        `${other}/write:200`,
        `${subscription}/delete:200`,
        `${subscription}/read:250`,
        `${subscription}/write:200`,
      ].sort(),
    );
  });

  it('spends no more than the remaining count ARM reports, when another client of the same identity spent the bucket', async () => {
    const { arm, call, timer } = setUp({ maxWaitInMs: 60_000 });
    const start = timer.now;
    arm.spend(subscription, 'write', 190);
    await Promise.all(Array.from({ length: 31 }, () => call('PUT', snapshotUrl(subscription))));
    expect(arm.sent.filter((s) => s.status === 429)).toHaveLength(0);
    // The probe at 100 ms finds 11 (10 + one refill) and leaves 10: those go with it.
    expect(arm.sent.filter((s) => s.at - start === 100)).toHaveLength(11);
    // 20 more at 10 a second (a late report may cost a refill, as above).
    const last = arm.sent.at(-1)!.at - start;
    expect(last).toBeGreaterThanOrEqual(2_100);
    expect(last).toBeLessThanOrEqual(2_400);
  });

  /**
   * ARM takes a token when a call arrives, and a call arrives some time after the pacer let it go.
   * The two tests below hold calls "on the wire" (their answer is written when the test says) and
   * play ARM's bucket on the test's clock: a call that finds it empty counts as over budget.
   */
  function wire(timer: VirtualTime, limits: { capacity: number; refillPerSecond: number }) {
    let tokens = limits.capacity;
    let at = timer.now;
    const overBudget: string[] = [];
    const held: { name: string; request: PipelineRequest; answer: (r: PipelineResponse) => void }[] = [];
    const arrive = (request: PipelineRequest): PipelineResponse => {
      tokens = Math.min(limits.capacity, tokens + ((timer.now - at) / 1000) * limits.refillPerSecond);
      at = timer.now;
      const headers = createHttpHeaders();
      if (tokens < 1) overBudget.push(request.url);
      else tokens -= 1;
      headers.set('x-ms-ratelimit-remaining-subscription-writes', String(Math.floor(tokens)));
      return { request, status: 200, headers };
    };
    const send =
      (hold: readonly string[]) =>
      (request: PipelineRequest): Promise<PipelineResponse> => {
        const name = new URL(request.url).pathname.split('/').at(-1)!;
        if (!hold.includes(name)) return Promise.resolve(arrive(request));
        return new Promise((answer) => held.push({ name, request, answer }));
      };
    /** The held calls arrive at ARM now in `arrivalOrder` (taking tokens); their answers come back in `answerOrder`. */
    const deliver = async (arrivalOrder: readonly string[], answerOrder = arrivalOrder) => {
      const responses = new Map<string, PipelineResponse>();
      for (const name of arrivalOrder)
        responses.set(name, arrive(held.find((h) => h.name === name)!.request));
      for (const name of answerOrder) {
        held.find((h) => h.name === name)!.answer(responses.get(name)!);
        await quiesce();
      }
    };
    return { send, deliver, overBudget, held };
  }

  function wiredPacer(limits: { capacity: number; refillPerSecond: number }, maxWaitInMs: number) {
    const timer = virtualTime('manual');
    const pacer = new ArmPacer(
      { emit: () => undefined },
      { region: 'westeurope', timer, limits: { write: limits }, maxWaitInMs },
    );
    const arm = wire(timer, limits);
    const put = (name: string, hold: string[] = []) =>
      pacer
        .policy()
        .sendRequest(
          createPipelineRequest({ method: 'PUT', url: snapshotUrl(subscription, name) }),
          arm.send(hold),
        );
    return { timer, arm, put };
  }

  it('takes a call’s token as late as ARM may: refill ARM loses while its bucket is full is not spent twice', async () => {
    const limits = { capacity: 2, refillPerSecond: 1 };
    const { timer, arm, put } = wiredPacer(limits, 60_000);
    // The probe, after a second of refill: ARM reports 1 left, and a second later both are full.
    const probe = put('probe');
    await timer.advance(1_000);
    await probe;
    await timer.advance(1_000);
    // Two calls leave a full share; they are a second on the wire, while ARM's bucket stays full.
    const first = [put('a', ['a', 'b']), put('b', ['a', 'b'])];
    await quiesce();
    expect(arm.held.map((h) => h.name)).toEqual(['a', 'b']);
    await timer.advance(1_000);
    // A third asked now must not go before ARM has counted the two: it would meet an empty bucket
    // once they arrive (an estimate that took their tokens at sending has refilled one meanwhile).
    const third = put('c');
    await quiesce();
    await arm.deliver(['a', 'b']);
    await timer.advance(1_000);
    await Promise.all([...first, third]);
    expect(arm.overBudget).toEqual([]);
  });

  it('never raises its estimate on a remaining count that comes back after a later one', async () => {
    const limits = { capacity: 3, refillPerSecond: 0.001 };
    const { timer, arm, put } = wiredPacer(limits, 10_000_000);
    const probe = put('probe');
    await timer.advance(1_000_000);
    await probe;
    // ARM held 3, the probe left 2: two calls take them; ARM handles b then a (reports 1, then 0),
    // and their answers come back b's last.
    const first = [put('a', ['a', 'b']), put('b', ['a', 'b'])];
    await quiesce();
    await arm.deliver(['b', 'a'], ['a', 'b']);
    await Promise.all(first);
    // Nothing is left (b's answer is a debt of one): two more calls wait for the refill, not
    // for b's late report of 1, which would send c into ARM's empty bucket at once.
    const more = [put('c'), put('d')];
    await quiesce();
    expect(arm.overBudget).toEqual([]);
    await timer.advance(3_000_000);
    await Promise.all(more);
    expect(arm.overBudget).toEqual([]);
  });

  it('obeys Retry-After on a 429 for every caller in the process, and reports it', async () => {
    const { arm, call, events, timer, pacer } = setUp({ maxWaitInMs: 60_000 });
    arm.refuseNext = { count: 1, retryAfterSeconds: 5 };
    const refused = await call('PUT', snapshotUrl(subscription, 'a'));
    expect(refused.status).toBe(429);
    const refusedAt = arm.sent[0]!.at;
    await Promise.all([
      call('PUT', snapshotUrl(subscription, 'b')),
      call('PATCH', snapshotUrl(subscription, 'c')),
    ]);
    const after = arm.sent.slice(1);
    expect(after).toHaveLength(2);
    for (const attempt of after) expect(attempt.at - refusedAt).toBeGreaterThanOrEqual(5_000);
    // Reads are another bucket: not paused (its probe waits one read token, 40 ms).
    const readAt = timer.now;
    await call('GET', snapshotUrl(subscription));
    expect(arm.sent.at(-1)!.at - readAt).toBe(40);
    expect(events.filter((e) => e.event === 'arm.throttled')).toEqual([
      {
        event: 'arm.throttled',
        properties: {
          region: 'westeurope',
          subscriptionId: subscription,
          kind: 'write',
          retryAfterMs: 5_000,
          remaining: 200,
          source: 'provider',
        },
      },
    ]);
    expect(pacer.totals()).toMatchObject({ calls: 4, throttled: 1 });
  });

  it('refuses, rather than holds its caller, a wait longer than its bound, sending nothing', async () => {
    const { arm, call, events } = setUp({ maxWaitInMs: 10_000 });
    arm.refuseNext = { count: 1, retryAfterSeconds: 30 };
    await call('DELETE', snapshotUrl(subscription));
    const error = await call('DELETE', snapshotUrl(subscription)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      dependency: `arm:${subscription}`,
      worthRetryingNow: false,
      retryAfterSeconds: 30,
    });
    expect(arm.sent).toHaveLength(1);
    expect(events.map((e) => e.event)).toEqual(['arm.throttled', 'arm.wait-refused']);
  });

  it('reports its counters per bucket as arm.pacing events, at most once a period', async () => {
    const { call, events, timer } = setUp({ reportEveryInMs: 60_000 });
    for (let i = 0; i < 5; i += 1) await call('GET', snapshotUrl(subscription));
    expect(events.filter((e) => e.event === 'arm.pacing')).toHaveLength(0);
    timer.now += 60_000;
    await call('GET', snapshotUrl(subscription));
    await call('GET', snapshotUrl(subscription));
    const reports = events.filter((e) => e.event === 'arm.pacing');
    expect(reports).toHaveLength(1);
    expect(reports[0]!.properties).toMatchObject({
      subscriptionId: subscription,
      kind: 'read',
      calls: 6,
      throttled: 0,
    });
  });

  it('stops waiting when the call is aborted', async () => {
    const { arm, pacer } = setUp({ maxWaitInMs: 60_000 });
    arm.refuseNext = { count: 1, retryAfterSeconds: 5 };
    await pacer
      .policy()
      .sendRequest(createPipelineRequest({ method: 'PUT', url: snapshotUrl(subscription) }), arm.send);
    const controller = new AbortController();
    const aborted = createPipelineRequest({
      method: 'PUT',
      url: snapshotUrl(subscription),
      abortSignal: controller.signal,
    });
    const waiting = pacer.policy().sendRequest(aborted, arm.send);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(arm.sent).toHaveLength(1);
  });
});

describe('ArmPacer in the Azure SDK pipeline', () => {
  it('is the only pacing of each attempt and the SDK retry the only retry: a 429 storm costs 1 + armMaxRetries attempts, each paced', async () => {
    const timer = virtualTime();
    const pacer = new ArmPacer(
      { emit: () => undefined },
      { region: 'westeurope', timer, maxWaitInMs: 60_000 },
    );
    const attempts: number[] = [];
    // ARM refusing everything with `retry-after-ms: 0`, so the SDK's own wait costs no real time.
    const storm: HttpClient = {
      sendRequest: async (request) => {
        attempts.push(timer.now);
        return { request, status: 429, headers: createHttpHeaders({ 'retry-after-ms': '0' }) };
      },
    };
    // As `@azure/core-client` builds a client's pipeline with a `perRetry` policy.
    const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: armMaxRetries } });
    pipeline.addPolicy(pacer.policy(), { afterPhase: 'Sign' });
    const response = await pipeline.sendRequest(
      storm,
      createPipelineRequest({ method: 'PUT', url: snapshotUrl(subscription) }),
    );
    expect(response.status).toBe(429);
    expect(attempts).toHaveLength(1 + armMaxRetries);
    expect(pacer.totals()).toMatchObject({ calls: 1 + armMaxRetries, throttled: 1 + armMaxRetries });
    // Each retry waited for a token: a 429 empties the estimate, and writes refill at 10 a second.
    for (let i = 1; i < attempts.length; i += 1)
      expect(attempts[i]! - attempts[i - 1]!).toBeGreaterThanOrEqual(100);
  });
});
