/**
 * The ARM budget governor of one process: every ARM client the process makes carries its
 * `policy()`, so every attempt — each of the SDK's retries and each long-running operation's poll
 * — waits for a token of its bucket (subscription × read/write/delete, ./armLimits) before it goes.
 * ARM's buckets belong to a principal in a subscription and region, and each control-plane region
 * has its own identity: one pacer per process paces its region's principal, and the remaining-count
 * headers bring in what other processes of the same identity spent.
 *
 * Retries: the pacer never retries. The SDK's retry policy (kept: it also covers 5xx and network
 * errors, and reads `Retry-After` the same way) retries at most `armMaxRetries` times; the pacer
 * sits after it in the pipeline (`perRetry`), so each retry is paced and a 429 pauses the bucket
 * for every caller in the process, not only for the one that was refused. One retry layer, bounded.
 */
import type {
  PipelinePolicy,
  PipelineRequest,
  PipelineResponse,
  SendRequest,
} from '@azure/core-rest-pipeline';
import type { TokenBucketLimits } from '../../../domain/tokenBucket';
import type { EventLog } from '../../../ports/EventLog';
import { armBucketOf, bucketName, type ArmBucketKey } from './armCall';
import { armBucketLimits, defaultRetryAfterInMs, remainingHeader, type ArmCallKind } from './armLimits';
import { PacedBucket, zeroCounters, type BucketCounters } from './PacedBucket';
import { systemPacerTimer, type PacerTimer } from './pacerTimer';
import { retryAfterInMs } from './retryAfter';

export const armPacerPolicyName = 'armPacer';

export interface ArmPacerOptions {
  /** The control-plane region (and so the identity) this process calls ARM as: named in events. */
  region: string;
  timer?: PacerTimer;
  /** The documented buckets unless set (tests, or a subscription with raised limits). */
  limits?: Partial<Record<ArmCallKind, TokenBucketLimits>>;
  /**
   * The longest one attempt waits for a token, default 10 s (under a worker call's 15 s budget):
   * past it the call fails with `UnavailableError` (`worthRetryingNow: false`, with the wait as
   * `retryAfterSeconds`) and its work comes back later through its queue's back-off.
   */
  maxWaitInMs?: number;
  /** How often a bucket in use reports its counters as an `arm.pacing` event, default 60 s. */
  reportEveryInMs?: number;
}

export interface BucketSnapshot extends BucketCounters {
  subscriptionId: string;
  kind: ArmCallKind;
  tokens: number;
}

export class ArmPacer {
  private readonly buckets = new Map<string, PacedBucket>();
  private readonly reported = new Map<string, { atMs: number; counters: BucketCounters }>();
  private readonly timer: PacerTimer;
  private readonly maxWaitInMs: number;
  private readonly reportEveryInMs: number;
  private readonly pipelinePolicy: PipelinePolicy;

  constructor(
    private readonly events: EventLog,
    private readonly options: ArmPacerOptions,
  ) {
    this.timer = options.timer ?? systemPacerTimer;
    this.maxWaitInMs = options.maxWaitInMs ?? 10_000;
    this.reportEveryInMs = options.reportEveryInMs ?? 60_000;
    this.pipelinePolicy = {
      name: armPacerPolicyName,
      sendRequest: (request, next) => this.send(request, next),
    };
  }

  /** The one policy every ARM client of the process carries, in the `perRetry` position. */
  policy(): PipelinePolicy {
    return this.pipelinePolicy;
  }

  /** Every bucket used so far, with its counters since the process started (the benchmark reads these). */
  snapshot(): BucketSnapshot[] {
    return [...this.buckets.values()].map((bucket) => ({
      subscriptionId: bucket.key.subscriptionId,
      kind: bucket.key.kind,
      tokens: bucket.tokens(),
      ...bucket.counters,
    }));
  }

  /** Counters summed over every bucket. */
  totals(): BucketCounters {
    const sum = zeroCounters();
    for (const bucket of this.buckets.values())
      for (const name of Object.keys(sum) as (keyof BucketCounters)[]) sum[name] += bucket.counters[name];
    return sum;
  }

  private async send(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const key = armBucketOf(request.method, request.url);
    const bucket = this.bucketFor(key);
    try {
      await bucket.acquire(request.abortSignal);
    } catch (err) {
      if (err instanceof Error && err.name !== 'AbortError')
        this.events.emit('arm.wait-refused', { ...this.named(key), reason: err.message });
      throw err;
    }
    let response: PipelineResponse | undefined;
    try {
      response = await next(request);
      return response;
    } finally {
      this.settle(bucket, key, response);
    }
  }

  private settle(bucket: PacedBucket, key: ArmBucketKey, response: PipelineResponse | undefined): void {
    const now = this.timer.nowMs();
    const header = response?.headers.get(remainingHeader(key.scope, key.kind));
    const remaining = header === undefined || header.trim() === '' ? undefined : Number(header);
    let throttledFor: number | undefined;
    if (response?.status === 429) {
      throttledFor = retryAfterInMs(response.headers, now) ?? defaultRetryAfterInMs;
      this.events.emit('arm.throttled', {
        ...this.named(key),
        retryAfterMs: throttledFor,
        remaining,
        // A remaining count above 0 means the resource provider throttled, not ARM's bucket: the
        // bucket is paused all the same, the provider's limits being per subscription too.
        source: remaining !== undefined && remaining > 0 ? 'provider' : 'arm',
      });
    }
    bucket.settle(Number.isFinite(remaining) ? remaining : undefined, throttledFor, response !== undefined);
    this.report(bucket, key, now);
  }

  private report(bucket: PacedBucket, key: ArmBucketKey, now: number): void {
    const name = bucketName(key);
    const last = this.reported.get(name);
    if (!last || now - last.atMs < this.reportEveryInMs) return;
    const delta = zeroCounters();
    for (const field of Object.keys(delta) as (keyof BucketCounters)[])
      delta[field] = bucket.counters[field] - last.counters[field];
    this.events.emit('arm.pacing', {
      ...this.named(key),
      periodMs: now - last.atMs,
      ...delta,
      tokens: bucket.tokens(),
    });
    this.reported.set(name, { atMs: now, counters: { ...bucket.counters } });
  }

  private bucketFor(key: ArmBucketKey): PacedBucket {
    const name = bucketName(key);
    let bucket = this.buckets.get(name);
    if (!bucket) {
      const limits = this.options.limits?.[key.kind] ?? armBucketLimits[key.kind];
      bucket = new PacedBucket(key, limits, this.timer, this.maxWaitInMs);
      this.buckets.set(name, bucket);
      this.reported.set(name, { atMs: this.timer.nowMs(), counters: zeroCounters() });
    }
    return bucket;
  }

  private named(key: ArmBucketKey): { region: string; subscriptionId: string; kind: ArmCallKind } {
    return { region: this.options.region, subscriptionId: key.subscriptionId, kind: key.kind };
  }
}
