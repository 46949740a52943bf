/**
 * ARM's request throttling: token buckets per (caller's ARM region, subscription, principal,
 * operation kind) and, 15 times larger, per (caller's ARM region, subscription, operation kind)
 * for all principals together (rules arm.throttle.*). A call is answered only when both buckets
 * hold a token; a throttled call takes none.
 */
import { TokenBucket } from './tokenBucket';
import type { ArmLimits, OperationKind } from './types';

export interface ThrottleDecision {
  allowed: boolean;
  /** Simulated ms until both buckets hold a token (0 when allowed). */
  waitMs: number;
  /** Response headers: remaining counts after this call, for its operation kind. */
  headers: Record<string, string>;
}

export function operationKind(method: string): OperationKind {
  // rule arm.throttle.operationKind
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'write';
}

const HEADER_ACTION: Record<OperationKind, string> = { read: 'reads', write: 'writes', delete: 'deletes' };

export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: ArmLimits) {}

  /** Checks and, when `consume` and allowed, takes a token from both buckets. */
  decide(
    key: { callerRegion: string; subscriptionId: string; principalId: string; kind: OperationKind },
    now: number,
    consume: boolean,
  ): ThrottleDecision {
    const own = this.bucket(
      `${key.callerRegion}|${key.subscriptionId}|${key.principalId}|${key.kind}`,
      key.kind,
      1,
      now,
    );
    const global = this.bucket(
      `${key.callerRegion}|${key.subscriptionId}|*|${key.kind}`,
      key.kind,
      this.limits.globalMultiplier,
      now,
    );
    const allowed = own.canTake(now) && global.canTake(now);
    if (allowed && consume) {
      own.take(now);
      global.take(now);
    }
    const action = HEADER_ACTION[key.kind];
    return {
      allowed,
      waitMs: allowed ? 0 : Math.max(own.msUntilToken(now), global.msUntilToken(now)),
      headers: {
        [`x-ms-ratelimit-remaining-subscription-${action}`]: String(own.remaining(now)),
        [`x-ms-ratelimit-remaining-subscription-global-${action}`]: String(global.remaining(now)),
      },
    };
  }

  private bucket(id: string, kind: OperationKind, multiplier: number, now: number): TokenBucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      const [capacity, refill] =
        kind === 'read'
          ? [this.limits.readsBucket, this.limits.readsRefillPerSecond]
          : kind === 'write'
            ? [this.limits.writesBucket, this.limits.writesRefillPerSecond]
            : [this.limits.deletesBucket, this.limits.deletesRefillPerSecond];
      bucket = new TokenBucket(capacity * multiplier, refill * multiplier, now);
      this.buckets.set(id, bucket);
    }
    return bucket;
  }
}
