/**
 * The pacer's buckets for Compute's PUT VM policies (./computePolicies), one per (subscription,
 * region, policy): the documented policy from the start, and any other PUT VM policy an answer's
 * `x-ms-ratelimit-remaining-resource` names from then on.
 */
import type { TokenBucketLimits } from '../../../domain/tokenBucket';
import { limitsOfPolicy, vmPutPolicies, type PolicyReport } from './computePolicies';
import type { PacedBucket } from './PacedBucket';

export interface PolicyEntry {
  subscriptionId: string;
  location: string;
  policy: string;
  bucket: PacedBucket;
}

export class ComputePolicyBuckets {
  private readonly buckets = new Map<string, PolicyEntry>();
  /** The policies a VM PUT of (subscription, region) meets. */
  private readonly names = new Map<string, Set<string>>();

  constructor(
    private readonly newBucket: (
      subscriptionId: string,
      limit: string,
      limits: TokenBucketLimits,
    ) => PacedBucket,
    /** Limits by policy name, over the documented ones (tests; raised limits). */
    private readonly overrides: Readonly<Record<string, TokenBucketLimits>> = {},
  ) {}

  /** The buckets a VM PUT of `subscriptionId` in `location` waits for. */
  forVmPut(subscriptionId: string, location: string): PolicyEntry[] {
    const entries: PolicyEntry[] = [];
    for (const policy of this.policiesOf(subscriptionId, location)) {
      const entry =
        this.buckets.get(`${subscriptionId}|${location}|${policy}`) ??
        this.add(subscriptionId, location, policy, limitsOfPolicy(policy, this.overrides, 0));
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** PUT VM policies an answer named are met by the next VM PUTs of that subscription and region. */
  adopt(subscriptionId: string, location: string, reports: readonly PolicyReport[]): void {
    const names = this.policiesOf(subscriptionId, location);
    for (const { policy, remaining } of reports) {
      if (names.has(policy) || !policy.startsWith('Microsoft.Compute/PutVM')) continue;
      if (this.add(subscriptionId, location, policy, limitsOfPolicy(policy, this.overrides, remaining)))
        names.add(policy);
    }
  }

  entries(): IterableIterator<PolicyEntry> {
    return this.buckets.values();
  }

  private policiesOf(subscriptionId: string, location: string): Set<string> {
    const key = `${subscriptionId}|${location}`;
    let names = this.names.get(key);
    if (!names) {
      names = new Set(vmPutPolicies);
      this.names.set(key, names);
    }
    return names;
  }

  private add(
    subscriptionId: string,
    location: string,
    policy: string,
    limits: TokenBucketLimits | undefined,
  ): PolicyEntry | undefined {
    if (!limits) return undefined;
    const entry: PolicyEntry = {
      subscriptionId,
      location,
      policy,
      bucket: this.newBucket(subscriptionId, `${policy} in ${location}`, limits),
    };
    this.buckets.set(`${subscriptionId}|${location}|${policy}`, entry);
    return entry;
  }
}
