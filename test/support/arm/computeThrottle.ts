/**
 * Compute's own PutVM policy (rule compute.throttle.putVm): one token bucket per (subscription,
 * region), on top of ARM's buckets, plus the compute counters `stats().compute` reports.
 */
import { normalizeLocation } from './context';
import type { HandlerResult } from './operations';
import { TokenBucket } from './tokenBucket';
import type { ArmLimits, ComputeStats } from './types';

const POLICY = 'PutVM3Min';

export class ComputeThrottle {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Accepted PUT times per (subscription, region), for the per-minute maximum. */
  private readonly putTimes = new Map<
    string,
    { subscriptionId: string; location: string; times: number[]; max: number }
  >();
  readonly counts = {
    disksCreated: 0,
    disksDeleted: 0,
    nicsCreated: 0,
    nicsDeleted: 0,
    vmsCreated: 0,
    vmsDeleted: 0,
    vmPuts: 0,
    computeThrottled: 0,
  };

  constructor(private readonly limits: ArmLimits) {}

  /** Takes a PutVM token, or answers the 429 Compute sends. `headers` go on the accepted answer. */
  putVm(
    subscriptionId: string,
    location: string,
    now: number,
  ): { refused: HandlerResult } | { headers: Record<string, string> } {
    const key = `${subscriptionId.toLowerCase()}|${normalizeLocation(location)}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.putVmBucket, this.limits.putVmRefillPerMinute / 60, now);
      this.buckets.set(key, bucket);
    }
    if (!bucket.canTake(now)) {
      this.counts.computeThrottled += 1;
      const seconds = Math.max(1, Math.ceil(bucket.msUntilToken(now) / 1000));
      return {
        refused: {
          status: 429,
          headers: {
            'x-ms-ratelimit-remaining-resource': `Microsoft.Compute/${POLICY};0`,
            'Retry-After': String(seconds),
          },
          body: {
            error: {
              code: 'OperationNotAllowed',
              message:
                'The server rejected the request because too many requests have been received for this subscription.',
              details: [
                {
                  code: 'TooManyRequests',
                  target: POLICY,
                  message: JSON.stringify({
                    operationGroup: POLICY,
                    startTime: new Date(now).toISOString(),
                    endTime: new Date(now + seconds * 1000).toISOString(),
                    allowedRequestCount: this.limits.putVmBucket,
                    measuredRequestCount: this.limits.putVmBucket + 1,
                  }),
                },
              ],
            },
          },
        },
      };
    }
    bucket.take(now);
    this.counts.vmPuts += 1;
    const entry = this.putTimes.get(key) ?? {
      subscriptionId,
      location: normalizeLocation(location),
      times: [],
      max: 0,
    };
    entry.times.push(now);
    while (entry.times.length && (entry.times[0] as number) <= now - 60_000) entry.times.shift();
    entry.max = Math.max(entry.max, entry.times.length);
    this.putTimes.set(key, entry);
    return {
      headers: {
        'x-ms-ratelimit-remaining-resource': `Microsoft.Compute/${POLICY};${bucket.remaining(now)}`,
      },
    };
  }

  stats(): ComputeStats {
    return {
      ...this.counts,
      maxVmPutsPerMinute: [...this.putTimes.values()].map((e) => ({
        subscriptionId: e.subscriptionId,
        location: e.location,
        count: e.max,
      })),
    };
  }
}
