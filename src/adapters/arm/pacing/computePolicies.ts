/**
 * Compute's own throttling policies, which a request meets after ARM's buckets: which calls the
 * pacer paces against them ahead of a 429, what their limits are, and what an answer reports.
 *
 * learn.microsoft.com/azure/virtual-machines/compute-throttling-limits: "All Compute throttling
 * policies are implemented on a per-region basis", by token bucket, per resource and per
 * subscription; the subscription-level row for "Put VM (Create new VMs)" is a bucket refill rate of
 * 500 per minute and a maximum bucket capacity of 1,500.
 * learn.microsoft.com/troubleshoot/azure/virtual-machines/troubleshooting-throttling-errors, "Call
 * rate informational response headers": `x-ms-ratelimit-remaining-resource`, value
 * `<source RP>/<policy or bucket>;<count>`, "Remaining API call count for the throttling policy
 * covering the resource bucket or operation group including the target of this request", and "an
 * API request can be subjected to multiple throttling policies. There will be a separate
 * x-ms-ratelimit-remaining-resource header for each policy" (Node joins repeated headers with
 * ", "). "The policy with remaining call count of 0 is the one due to which the throttling error
 * is returned."
 *
 * Azure names the PUT VM policies `PutVM3Min` and `PutVM30Min` in that header (recorded answers in
 * the Azure SDKs' test recordings: `Microsoft.Compute/PutVM3Min;239,Microsoft.Compute/PutVM30Min;1199`).
 * Assumed: the documented bucket (1,500, refilled 500 a minute: three minutes of refill) is
 * `PutVM3Min`. A policy with no documented figures (`PutVM30Min`) is learned from the header: its
 * capacity the most it has reported (at least), refilled over the minutes its name gives.
 */
import type { TokenBucketLimits } from '../../../domain/tokenBucket';

export const remainingResourceHeader = 'x-ms-ratelimit-remaining-resource';

/** Documented subscription-level limits per Compute policy, as the header names them. */
export const computePolicyLimits: Readonly<Record<string, TokenBucketLimits>> = {
  'Microsoft.Compute/PutVM3Min': { capacity: 1_500, refillPerSecond: 500 / 60 },
};

/** The policies a VM PUT is paced against before any answer has named others. */
export const vmPutPolicies: readonly string[] = ['Microsoft.Compute/PutVM3Min'];

export interface PolicyReport {
  /** `Microsoft.Compute/PutVM3Min`. */
  policy: string;
  remaining: number;
}

const entry = /([A-Za-z][\w.]*\/[A-Za-z]\w*);\s*(\d+)/g;

/** Every `<RP>/<policy>;<count>` the header carries (one header or several joined). */
export function policyReports(header: string | undefined): PolicyReport[] {
  if (header === undefined) return [];
  return [...header.matchAll(entry)].map((m) => ({ policy: m[1]!, remaining: Number(m[2]) }));
}

/** A PUT of a virtual machine itself (not of its extensions, run commands or other children). */
const vmPath =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+\/?$/i;

/**
 * The region a VM PUT creates in, from its body (Compute's policies are per region), or undefined
 * when the request is not a VM PUT. A body that names no location is paced as region `unknown`.
 */
export function vmPutRegion(method: string, url: string, body: unknown): string | undefined {
  if (method.toUpperCase() !== 'PUT') return undefined;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  if (!vmPath.test(path)) return undefined;
  if (typeof body !== 'string') return 'unknown';
  try {
    const location = (JSON.parse(body) as { location?: unknown }).location;
    return typeof location === 'string' && location.trim() !== ''
      ? location.replace(/\s+/g, '').toLowerCase()
      : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A policy's window in minutes from its name (`PutVM30Min` → 30), for policies without documented figures. */
export function windowMinutesOf(policy: string): number | undefined {
  const match = /(\d+)Min$/i.exec(policy);
  const minutes = match ? Number(match[1]) : NaN;
  return minutes > 0 ? minutes : undefined;
}

/**
 * The limits to pace `policy` by: the documented ones, else learned from the largest count it has
 * reported (`highestReported`) refilled over its window (assumed). Undefined when neither is known.
 */
export function limitsOfPolicy(
  policy: string,
  overrides: Readonly<Record<string, TokenBucketLimits>>,
  highestReported: number,
): TokenBucketLimits | undefined {
  const known = overrides[policy] ?? computePolicyLimits[policy];
  if (known) return known;
  const minutes = windowMinutesOf(policy);
  if (minutes === undefined || highestReported < 1) return undefined;
  return { capacity: highestReported, refillPerSecond: highestReported / (minutes * 60) };
}
