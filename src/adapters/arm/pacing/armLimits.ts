/**
 * ARM's documented throttling, the figures the pacer starts from before any response has told it
 * the truth. Since 2024 ARM throttles with token buckets "per region rather than per instance of
 * Azure Resource Manager", and "subscription limits apply per subscription, per service principal,
 * and per operation type" (learn.microsoft.com/azure/azure-resource-manager/management/
 * request-limits-and-throttling, "Regional throttling and token bucket algorithm"):
 *
 * | scope        | operations | bucket size | refill rate per second |
 * | subscription | reads      | 250         | 25                     |
 * | subscription | deletes    | 200         | 10                     |
 * | subscription | writes     | 200         | 10                     |
 * | tenant       | reads      | 250         | 25                     |
 * | tenant       | deletes    | 200         | 10                     |
 * | tenant       | writes     | 200         | 10                     |
 *
 * The subscription as a whole (every principal together) gets 15 times these; with one principal
 * per control-plane region the per-principal bucket is the one that binds. Each control-plane region
 * acts under its own identity, so each paces its own buckets, shared by its processes
 * (./pacerRoster). Compute's own policies, which a call meets after these: ./computePolicies.
 */
import type { TokenBucketLimits } from '../../../domain/tokenBucket';

export type ArmCallKind = 'read' | 'write' | 'delete';

export const armBucketLimits: Readonly<Record<ArmCallKind, TokenBucketLimits>> = {
  read: { capacity: 250, refillPerSecond: 25 },
  write: { capacity: 200, refillPerSecond: 10 },
  delete: { capacity: 200, refillPerSecond: 10 },
};

/**
 * The response headers that report what remains of a bucket, by scope and kind (same page,
 * "Remaining requests"; `-deletes` with the token-bucket architecture). A response carries the
 * header of its own kind.
 */
export function remainingHeader(scope: 'subscription' | 'tenant', kind: ArmCallKind): string {
  return `x-ms-ratelimit-remaining-${scope}-${kind}s`;
}

/**
 * The SDK's own retries of a call (429 after `Retry-After`, 5xx and network errors with back-off):
 * at most this many after the first attempt, so one call is at most 4 attempts, each paced. The
 * pacer itself never retries: two retry layers would multiply.
 */
export const armMaxRetries = 3;

/** A 429 without `Retry-After` (ARM documents it always carries one): pause the bucket this long. Assumed. */
export const defaultRetryAfterInMs = 10_000;
