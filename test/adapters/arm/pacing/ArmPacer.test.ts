/**
 * The ARM budget governor (src/adapters/arm/pacing/ArmPacer.ts) against a small model of ARM's
 * buckets, on virtual time: the pacer's sleeps move a clock the test owns, so "when" is asserted in
 * virtual milliseconds and nothing depends on how fast this machine is. Then the pacer inside the
 * Azure SDK's own pipeline, to show one retry layer with its bound.
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
import type { PacerTimer } from '../../../../src/adapters/arm/pacing/pacerTimer';
import { UnavailableError } from '../../../../src/domain/errors';

const subscription = '00000000-0000-0000-0000-00000000000a';
const other = '00000000-0000-0000-0000-00000000000b';
const snapshotUrl = (sub: string, name = 's1') =>
  `https://management.azure.com/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/snapshots/${name}?api-version=2024-03-02`;

/** Virtual time: a sleep moves the clock by its length and resolves. Waiters are served one at a time (FIFO), so this is exact. */
function virtualTimer(): PacerTimer & { now: number } {
  const timer = {
    now: 1_000_000,
    nowMs: () => timer.now,
    sleep: async (ms: number) => {
      timer.now += ms;
    },
  };
  return timer;
}

/**
 * ARM's buckets as the documentation describes them, kept in whole tokens: refill by elapsed time,
 * 429 with `Retry-After` when empty, the remaining count on every answer. `spend` stands for
 * another process of the same identity.
 */
class ArmModel {
  readonly sent: { method: string; url: string; at: number; status: number }[] = [];
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** Answer the next n requests 429 with this Retry-After (seconds), whatever the bucket says. */
  refuseNext: { count: number; retryAfterSeconds: number } = { count: 0, retryAfterSeconds: 0 };

  constructor(
    private readonly timer: { nowMs(): number },
    private readonly limits = { read: [250, 25], write: [200, 10], delete: [200, 10] } as Record<
      string,
      [number, number]
    >,
  ) {}

  spend(sub: string, kind: 'read' | 'write' | 'delete', count: number): void {
    const bucket = this.bucket(sub, kind);
    bucket.tokens -= count;
  }

  send = async (request: PipelineRequest): Promise<PipelineResponse> => {
    const kind = request.method === 'GET' ? 'read' : request.method === 'DELETE' ? 'delete' : 'write';
    const sub = /\/subscriptions\/([^/]+)/.exec(request.url)![1]!;
    const bucket = this.bucket(sub, kind);
    const headers = createHttpHeaders();
    let status = 200;
    if (this.refuseNext.count > 0) {
      this.refuseNext.count -= 1;
      status = 429;
      headers.set('Retry-After', String(this.refuseNext.retryAfterSeconds));
    } else if (bucket.tokens < 1) {
      status = 429;
      headers.set('Retry-After', String(Math.ceil((1 - bucket.tokens) / this.limits[kind]![1])));
    } else bucket.tokens -= 1;
    headers.set(
      `x-ms-ratelimit-remaining-subscription-${kind}s`,
      String(Math.max(0, Math.floor(bucket.tokens))),
    );
    this.sent.push({ method: request.method, url: request.url, at: this.timer.nowMs(), status });
    return { request, status, headers };
  };

  private bucket(sub: string, kind: string): { tokens: number; at: number } {
    const key = `${sub}/${kind}`;
    const [capacity, rate] = this.limits[kind]!;
    const now = this.timer.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    // Whole tokens only, so this model and the pacer's fractional estimate do not share a rounding.
    const refill = Math.floor(((now - bucket.at) / 1000) * rate);
    if (refill > 0) {
      bucket.tokens = Math.min(capacity, bucket.tokens + refill);
      bucket.at += (refill / rate) * 1000;
    }
    if (bucket.tokens >= capacity) bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }
}

function setUp(options: Partial<ArmPacerOptions> = {}) {
  const timer = virtualTimer();
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

describe('ArmPacer', () => {
  it('sends a burst up to the bucket at once, then one call per refill, with no 429', async () => {
    const { arm, call, pacer, timer } = setUp({ maxWaitInMs: 60_000 });
    const start = timer.now;
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => call('PUT', snapshotUrl(subscription, `s${i}`))),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(arm.sent.filter((s) => s.status === 429)).toHaveLength(0);
    expect(arm.sent.filter((s) => s.at === start)).toHaveLength(200);
    // The other 100 at the documented refill, 10 a second: never sooner. A remaining count that
    // arrives after the clock moved is applied as of its arrival, so it may cost a refill or two,
    // never add one.
    const last = arm.sent.at(-1)!.at - start;
    expect(last).toBeGreaterThanOrEqual(10_000);
    expect(last).toBeLessThanOrEqual(10_300);
    expect(pacer.totals()).toMatchObject({ calls: 300, waits: 100, throttled: 0, refused: 0 });
  });

  it('keeps one bucket per subscription and per kind (read, write, delete)', async () => {
    const { arm, call, pacer, timer } = setUp();
    const start = timer.now;
    await Promise.all([
      ...Array.from({ length: 200 }, () => call('PUT', snapshotUrl(subscription))),
      ...Array.from({ length: 200 }, () => call('POST', snapshotUrl(other) + '&action=beginGetAccess')),
      ...Array.from({ length: 250 }, () => call('GET', snapshotUrl(subscription))),
      ...Array.from({ length: 200 }, () => call('DELETE', snapshotUrl(subscription))),
    ]);
    // Every bucket was full: nothing waited.
    expect(arm.sent.every((s) => s.at === start && s.status === 200)).toBe(true);
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

  it('spends no more than the remaining count ARM reports, when another process of the same identity spent the bucket', async () => {
    const { arm, call, timer } = setUp({ maxWaitInMs: 60_000 });
    const start = timer.now;
    arm.spend(subscription, 'write', 190);
    // One call learns the truth: 9 left after it.
    await call('PUT', snapshotUrl(subscription));
    await Promise.all(Array.from({ length: 30 }, () => call('PUT', snapshotUrl(subscription))));
    expect(arm.sent.filter((s) => s.status === 429)).toHaveLength(0);
    expect(arm.sent.filter((s) => s.at === start)).toHaveLength(10);
    // 21 more at 10 a second (a late report may cost a refill, as above).
    const last = arm.sent.at(-1)!.at - start;
    expect(last).toBeGreaterThanOrEqual(2_100);
    expect(last).toBeLessThanOrEqual(2_400);
  });

  /**
   * ARM takes a token when a call arrives, and a call arrives some time after the pacer let it go.
   * The two tests below hold calls "on the wire" (their answer is written when the test says) and
   * play ARM's bucket on the test's clock: a call that finds it empty counts as over budget.
   */
  function wire(
    pacer: ArmPacer,
    timer: { now: number },
    limits: { capacity: number; refillPerSecond: number },
  ) {
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
    /** Calls named in `hold` wait on the wire until `deliver`; the others arrive at once. */
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
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    /** A PUT of snapshot `name` through the pacer; the calls `hold` names wait on the wire. */
    const put = (name: string, hold: string[]) =>
      pacer
        .policy()
        .sendRequest(
          createPipelineRequest({ method: 'PUT', url: snapshotUrl(subscription, name) }),
          send(hold),
        );
    return { put, deliver, overBudget };
  }

  it('takes a call’s token as late as ARM may: refill ARM loses while its bucket is full is not spent twice', async () => {
    const limits = { capacity: 2, refillPerSecond: 1 };
    const { pacer, timer } = setUp({ limits: { write: limits }, maxWaitInMs: 60_000 });
    const arm = wire(pacer, timer, limits);
    const { put } = arm;
    // Two calls leave a full bucket; they are a second on the wire, while ARM's bucket stays full.
    const first = [put('a', ['a', 'b']), put('b', ['a', 'b'])];
    await new Promise((resolve) => setImmediate(resolve));
    timer.now += 1_000;
    // A third asked now must not go before ARM has counted the two: it would meet an empty bucket
    // once they arrive (an estimate that took their tokens at sending has refilled one meanwhile).
    const third = put('c', []);
    await new Promise((resolve) => setImmediate(resolve));
    await arm.deliver(['a', 'b']);
    await Promise.all([...first, third]);
    expect(arm.overBudget).toEqual([]);
  });

  it('never raises its estimate on a remaining count that comes back after a later one', async () => {
    const limits = { capacity: 3, refillPerSecond: 0.001 };
    const { pacer, timer } = setUp({ limits: { write: limits }, maxWaitInMs: 10_000_000 });
    const arm = wire(pacer, timer, limits);
    const { put } = arm;
    const first = [put('a', ['a', 'b']), put('b', ['a', 'b'])];
    await new Promise((resolve) => setImmediate(resolve));
    // ARM handles b then a (reports 2, then 1); their answers come back b's last.
    await arm.deliver(['b', 'a'], ['a', 'b']);
    await Promise.all(first);
    // One token is left: of two more calls, the second waits for the refill, not for nothing.
    await Promise.all([put('c', []), put('d', [])]);
    expect(arm.overBudget).toEqual([]);
  });

  it('obeys Retry-After on a 429 for every caller in the process, and reports it', async () => {
    const { arm, call, events, timer, pacer } = setUp({ maxWaitInMs: 60_000 });
    arm.refuseNext = { count: 1, retryAfterSeconds: 5 };
    const refusedAt = timer.now;
    const refused = await call('PUT', snapshotUrl(subscription, 'a'));
    expect(refused.status).toBe(429);
    await Promise.all([
      call('PUT', snapshotUrl(subscription, 'b')),
      call('PATCH', snapshotUrl(subscription, 'c')),
    ]);
    const after = arm.sent.slice(1);
    expect(after).toHaveLength(2);
    for (const attempt of after) expect(attempt.at - refusedAt).toBeGreaterThanOrEqual(5_000);
    // Reads are another bucket: not paused.
    const readAt = timer.now;
    await call('GET', snapshotUrl(subscription));
    expect(arm.sent.at(-1)!.at).toBe(readAt);
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
    controller.abort();
    const aborted = createPipelineRequest({
      method: 'PUT',
      url: snapshotUrl(subscription),
      abortSignal: controller.signal,
    });
    await expect(pacer.policy().sendRequest(aborted, arm.send)).rejects.toMatchObject({ name: 'AbortError' });
    expect(arm.sent).toHaveLength(1);
  });
});

describe('ArmPacer in the Azure SDK pipeline', () => {
  it('is the only pacing of each attempt and the SDK retry the only retry: a 429 storm costs 1 + armMaxRetries attempts, each paced', async () => {
    const timer = virtualTimer();
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
