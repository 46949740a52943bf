/**
 * The ARM budget governor of one process: every ARM client the process makes carries its
 * `policy()`, so every attempt — each of the SDK's retries and each long-running operation's poll
 * — waits for a token of its bucket (subscription × read/write/delete, ./armLimits; for a VM PUT
 * first Compute's PUT VM policies of its subscription and region, ./computePolicies) before it
 * goes, highest priority first (./armPriority).
 *
 * Several processes, one principal. ARM's buckets belong to a principal in a subscription and
 * region (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-
 * throttling: "Subscription limits apply per subscription, per service principal, and per
 * operation type"), and every Function App instance of a control-plane region calls as that
 * region's one managed identity. N processes that each assume the buckets are theirs spend N
 * bursts and N refills. The remaining-count headers alone cannot prevent it: they tell a process
 * what was left when ARM handled its last call, not what the other processes are sending now, so
 * processes that look at the same moment see the same count and all spend it (N instances waking
 * together with one token left send N calls into it, whatever each learned). Correct pacing needs
 * to know how many share the bucket. So:
 * - A roster (./pacerRoster) counts the processes calling ARM on each subscription: in one process
 *   exactly (./LocalPacerRoster), across instances through Cosmos DB heartbeats
 *   (./CosmosPacerRoster). A process joins a subscription when it has calls for it and leaves once
 *   it has been idle a while, so idle instances take no share.
 * - Each of N members paces every bucket of the subscription with 1/N of its size and 1/N of its
 *   refill, each token taken when its call is answered (./PacedBucket). The shares sum to the
 *   bucket, so the N processes together never send a call into an empty bucket.
 * - A member spends only while admitted: every other member's current view must count it (else
 *   their shares would not leave room for it). A joiner starts with an empty share, sends one
 *   call (its probe) when its refill gives it a token, and takes from the probe's remaining count
 *   what is left once every other share is taken off as if full ("starts conservative and learns
 *   the true remaining count"); a lone process so learns the whole bucket at once.
 * - The remaining counts still only ever lower a share (another client of the identity spent it),
 *   and a 429 pauses the bucket for the process for its `Retry-After`.
 *
 * What it costs, against one process holding the whole bucket:
 * - N busy processes together get the bucket's whole refill (r), each r/N; their bursts sum to at
 *   most one burst, and less when a later prober must count an earlier one's share as full though
 *   it was spent: up to (N−1)/N of a burst, once (two pacers, 800 writes through 200 + 10/s:
 *   70.7 s against 60 s, test/adapters/arm/pacing/ArmPacer.sharing.test.ts). A member idle within
 *   its linger (60 s) leaves its share unused.
 * - A joiner waits one token at its share (N/r: 0.1 s for writes alone) and one round trip (the
 *   probe) before it may burst; across instances it also waits to be admitted: about 1 s (Cosmos
 *   DB replication allowance) when it finds no other member, about 12 s when others are calling
 *   there (they must count it first). An instance that dies leaves its share unused ~15 s.
 * - Measured against the ARM double through the real SDK (reads: 30 + 20/s;
 *   test/adapters/arm/pacing/ArmPacer.double.test.ts): three instances at full speed, 0 calls over
 *   budget and 27-34 reads each in a 4 s window of an 80-read refill (the pacer before the roster:
 *   88 calls over budget, answered 429, in 7 s); one alone, 123 of the 130 the bucket gives in 5 s
 *   (that pacer: 125).
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
import { armPriorityHeader, priorityOf } from './armPriority';
import { policyReports, remainingResourceHeader, vmPutRegion } from './computePolicies';
import { ComputePolicyBuckets, type PolicyEntry } from './ComputePolicyBuckets';
import { PacedBucket, zeroCounters, type BucketCounters } from './PacedBucket';
import { SoloRoster, type PacerRoster } from './pacerRoster';
import { systemPacerTimer, type PacerTimer } from './pacerTimer';
import { retryAfterInMs } from './retryAfter';

export const armPacerPolicyName = 'armPacer';

export interface ArmPacerOptions {
  /** The control-plane region (and so the identity) this process calls ARM as: named in events. */
  region: string;
  timer?: PacerTimer;
  /** The documented buckets unless set (tests, or a subscription with raised limits). */
  limits?: Partial<Record<ArmCallKind, TokenBucketLimits>>;
  /** Compute's policies by the name the header gives (`Microsoft.Compute/PutVM3Min`): documented unless set. */
  computeLimits?: Readonly<Record<string, TokenBucketLimits>>;
  /**
   * The longest one attempt waits for its tokens, default 10 s (under a worker call's 15 s budget):
   * past it the call fails with `UnavailableError` (`worthRetryingNow: false`, with the wait as
   * `retryAfterSeconds`) and its work comes back later through its queue's back-off.
   */
  maxWaitInMs?: number;
  /** How often a bucket in use reports its counters as an `arm.pacing` event, default 60 s. */
  reportEveryInMs?: number;
  /** The processes sharing this principal's buckets: this one alone unless set. */
  roster?: PacerRoster;
}

export interface BucketSnapshot extends BucketCounters {
  subscriptionId: string;
  kind: ArmCallKind;
  /** Compute's policy, for a bucket of one (`Microsoft.Compute/PutVM3Min`), with its region. */
  policy?: string;
  location?: string;
  tokens: number;
}

interface ArmEntry {
  key: ArmBucketKey;
  bucket: PacedBucket;
}

export class ArmPacer {
  private readonly armBuckets = new Map<string, ArmEntry>();
  private readonly policyBuckets: ComputePolicyBuckets;
  private readonly reported = new Map<PacedBucket, { atMs: number; counters: BucketCounters }>();
  /** Calls waiting or in flight, per scope: the roster counts this process busy while any are. */
  private readonly pendingByScope = new Map<string, number>();
  /** A request's priority, kept for its retries (the header is gone after the first attempt). */
  private readonly priorities = new WeakMap<PipelineRequest, number>();
  private readonly timer: PacerTimer;
  private readonly maxWaitInMs: number;
  private readonly reportEveryInMs: number;
  private readonly roster: PacerRoster;
  private readonly pipelinePolicy: PipelinePolicy;

  constructor(
    private readonly events: EventLog,
    private readonly options: ArmPacerOptions,
  ) {
    this.timer = options.timer ?? systemPacerTimer;
    this.maxWaitInMs = options.maxWaitInMs ?? 10_000;
    this.reportEveryInMs = options.reportEveryInMs ?? 60_000;
    this.roster = options.roster ?? new SoloRoster();
    this.policyBuckets = new ComputePolicyBuckets(
      (subscriptionId, limit, limits) => this.newBucket(subscriptionId, limit, limits),
      options.computeLimits,
    );
    this.roster.onChange(() => {
      for (const bucket of this.allBuckets()) bucket.resync();
    });
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
    return [
      ...[...this.armBuckets.values()].map(({ key, bucket }) => ({
        subscriptionId: key.subscriptionId,
        kind: key.kind,
        tokens: bucket.tokens(),
        ...bucket.counters,
      })),
      ...[...this.policyBuckets.entries()].map((entry) => ({
        subscriptionId: entry.subscriptionId,
        kind: 'write' as const,
        policy: entry.policy,
        location: entry.location,
        tokens: entry.bucket.tokens(),
        ...entry.bucket.counters,
      })),
    ];
  }

  /** Counters summed over ARM's buckets (each attempt counted once; Compute's policies are in `snapshot`). */
  totals(): BucketCounters {
    const sum = zeroCounters();
    for (const { bucket } of this.armBuckets.values())
      for (const name of Object.keys(sum) as (keyof BucketCounters)[]) sum[name] += bucket.counters[name];
    return sum;
  }

  /** Leaves the roster: the process spends nothing more. */
  async close(): Promise<void> {
    await this.roster.close();
  }

  private async send(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const priority = this.priorityFor(request);
    const key = armBucketOf(request.method, request.url);
    const scope = key.subscriptionId;
    this.pending(scope, 1);
    try {
      const armBucket = this.armBucketFor(key);
      const location = vmPutRegion(request.method, request.url, request.body);
      const askedAtMs = this.timer.nowMs();
      const acquired: PolicyEntry[] = [];
      let armBucketHeld = false;
      // Compute's policies first: a call waiting for them holds no ARM token others could use.
      // An answer meanwhile may have named another policy: it is waited for too.
      const acquirePolicies = async () => {
        for (;;) {
          const missing = (location === undefined ? [] : this.policyBuckets.forVmPut(scope, location)).filter(
            (entry) => !acquired.includes(entry),
          );
          if (missing.length === 0) return;
          for (const entry of missing) {
            await entry.bucket.acquire(priority, request.abortSignal, askedAtMs);
            acquired.push(entry);
          }
        }
      };
      try {
        await acquirePolicies();
        await armBucket.acquire(priority, request.abortSignal, askedAtMs);
        armBucketHeld = true;
        await acquirePolicies();
      } catch (err) {
        for (const entry of acquired) entry.bucket.release();
        if (armBucketHeld) armBucket.release();
        if (err instanceof Error && err.name !== 'AbortError')
          this.events.emit('arm.wait-refused', { ...this.named(key), reason: err.message });
        throw err;
      }
      let response: PipelineResponse | undefined;
      try {
        response = await next(request);
        return response;
      } finally {
        this.settle(key, armBucket, acquired, location, response);
      }
    } finally {
      this.pending(scope, -1);
    }
  }

  /** Reads the caller's priority and removes its header: ARM never sees it. */
  private priorityFor(request: PipelineRequest): number {
    const header = request.headers.get(armPriorityHeader);
    if (header !== undefined) {
      request.headers.delete(armPriorityHeader);
      this.priorities.set(request, priorityOf(header));
    }
    return this.priorities.get(request) ?? priorityOf(undefined);
  }

  private settle(
    key: ArmBucketKey,
    armBucket: PacedBucket,
    policies: PolicyEntry[],
    location: string | undefined,
    response: PipelineResponse | undefined,
  ): void {
    const now = this.timer.nowMs();
    const header = response?.headers.get(remainingHeader(key.scope, key.kind));
    const parsed = header === undefined || header.trim() === '' ? undefined : Number(header);
    const remaining = parsed !== undefined && Number.isFinite(parsed) ? parsed : undefined;
    const reports = policyReports(response?.headers.get(remainingResourceHeader));
    const throttled = response?.status === 429;
    const throttledFor = throttled
      ? (retryAfterInMs(response.headers, now) ?? defaultRetryAfterInMs)
      : undefined;
    // "The policy with remaining call count of 0 is the one due to which the throttling error is
    // returned" (./computePolicies): Compute refused it, and only its policies pause.
    const refusedBy = throttled ? reports.filter((r) => r.remaining === 0).map((r) => r.policy) : [];
    if (location !== undefined) this.policyBuckets.adopt(key.subscriptionId, location, reports);
    const byCompute = refusedBy.length > 0 && location !== undefined;
    if (throttled)
      this.events.emit('arm.throttled', {
        ...this.named(key),
        retryAfterMs: throttledFor,
        remaining,
        source: byCompute || (remaining !== undefined && remaining > 0) ? 'provider' : 'arm',
        ...(refusedBy.length > 0 ? { policy: refusedBy.join(',') } : {}),
      });
    for (const entry of policies) {
      if (response !== undefined && throttled && reports.length === 0) {
        // ARM refused the call before Compute saw it.
        entry.bucket.release();
        continue;
      }
      const report = reports.find((r) => r.policy === entry.policy);
      entry.bucket.settle({
        answered: response !== undefined,
        ...(report ? { remaining: report.remaining } : {}),
        ...(throttled && refusedBy.includes(entry.policy) ? { throttledForMs: throttledFor } : {}),
      });
    }
    // A 429 from a provider without a policy paced here pauses ARM's bucket of the kind: its
    // limits are per subscription too.
    armBucket.settle({
      answered: response !== undefined,
      ...(remaining !== undefined ? { remaining } : {}),
      ...(throttled && !byCompute ? { throttledForMs: throttledFor } : {}),
      ...(throttled && byCompute ? { throttledBehind: true } : {}),
    });
    this.report(armBucket, this.named(key), now);
    for (const entry of policies)
      this.report(entry.bucket, { ...this.named(key), policy: entry.policy, location: entry.location }, now);
  }

  private armBucketFor(key: ArmBucketKey): PacedBucket {
    const name = bucketName(key);
    let entry = this.armBuckets.get(name);
    if (!entry) {
      const limits = this.options.limits?.[key.kind] ?? armBucketLimits[key.kind];
      entry = { key, bucket: this.newBucket(key.subscriptionId, key.kind, limits) };
      this.armBuckets.set(name, entry);
    }
    return entry.bucket;
  }

  private newBucket(subscriptionId: string, limit: string, limits: TokenBucketLimits): PacedBucket {
    const bucket = new PacedBucket(
      { scope: subscriptionId, limit },
      limits,
      this.timer,
      this.maxWaitInMs,
      () => this.roster.view(subscriptionId),
    );
    this.reported.set(bucket, { atMs: this.timer.nowMs(), counters: zeroCounters() });
    return bucket;
  }

  private *allBuckets(): Generator<PacedBucket> {
    for (const { bucket } of this.armBuckets.values()) yield bucket;
    for (const { bucket } of this.policyBuckets.entries()) yield bucket;
  }

  private pending(scope: string, change: 1 | -1): void {
    const before = this.pendingByScope.get(scope) ?? 0;
    const after = Math.max(0, before + change);
    this.pendingByScope.set(scope, after);
    if (before === 0 && after > 0) this.roster.busy(scope, true);
    else if (before > 0 && after === 0) this.roster.busy(scope, false);
  }

  private report(
    bucket: PacedBucket,
    named: Record<string, string | number | boolean | undefined>,
    now: number,
  ): void {
    const last = this.reported.get(bucket);
    if (!last || now - last.atMs < this.reportEveryInMs) return;
    const delta = zeroCounters();
    for (const field of Object.keys(delta) as (keyof BucketCounters)[])
      delta[field] = bucket.counters[field] - last.counters[field];
    this.events.emit('arm.pacing', {
      ...named,
      periodMs: now - last.atMs,
      ...delta,
      tokens: bucket.tokens(),
    });
    this.reported.set(bucket, { atMs: now, counters: { ...bucket.counters } });
  }

  private named(key: ArmBucketKey): { region: string; subscriptionId: string; kind: ArmCallKind } {
    return { region: this.options.region, subscriptionId: key.subscriptionId, kind: key.kind };
  }
}
