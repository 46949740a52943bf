/**
 * ARM's buckets as the documentation describes them, for the pacer's virtual-time tests: refill by
 * elapsed time, 429 with `Retry-After` when empty, the remaining count on every answer; behind
 * them, for VM PUTs, Compute's policies per subscription and region with their
 * `x-ms-ratelimit-remaining-resource` report. Kept in whole tokens, so the model and the pacer's
 * fractional estimate do not share a rounding. `spend` stands for another client of the identity.
 */
import { createHttpHeaders, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';

export const subscription = '00000000-0000-0000-0000-00000000000a';
export const other = '00000000-0000-0000-0000-00000000000b';
export const snapshotUrl = (sub: string, name = 's1') =>
  `https://management.azure.com/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/snapshots/${name}?api-version=2024-03-02`;
export const vmUrl = (sub: string, name: string) =>
  `https://management.azure.com/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}?api-version=2025-04-01`;
export const vmBody = (location: string) => JSON.stringify({ location, properties: {} });

type Kind = 'read' | 'write' | 'delete';

class WholeBucket {
  tokens: number;
  private at: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  refill(now: number): void {
    const refill = Math.floor(((now - this.at) / 1000) * this.perSecond);
    if (refill > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + refill);
      this.at += (refill / this.perSecond) * 1000;
    }
    if (this.tokens >= this.capacity) this.at = now;
  }

  secondsUntilToken(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

export interface SentCall {
  method: string;
  url: string;
  at: number;
  status: number;
  /** Who refused a 429: ARM's bucket or Compute's policy. */
  refusedBy?: 'arm' | 'compute';
  /** Headers as the transport saw them (the pacer's priority header must be gone). */
  headers: Record<string, string>;
}

export class ArmModel {
  readonly sent: SentCall[] = [];
  private readonly buckets = new Map<string, WholeBucket>();
  /** Answer the next n requests 429 with this Retry-After (seconds), whatever the bucket says. */
  refuseNext: { count: number; retryAfterSeconds: number } = { count: 0, retryAfterSeconds: 0 };

  constructor(
    private readonly timer: { nowMs(): number },
    private readonly limits: Record<Kind, [number, number]> = {
      read: [250, 25],
      write: [200, 10],
      delete: [200, 10],
    },
    /** Compute's policies a VM PUT meets, per subscription and region: name → [capacity, per second]. */
    private readonly computePolicies: Record<string, [number, number]> = {},
  ) {}

  spend(sub: string, kind: Kind, count: number): void {
    this.bucket(`${sub}/${kind}`, this.limits[kind]).tokens -= count;
  }

  /** Calls ARM's bucket refused, and calls Compute refused. */
  refused(by: 'arm' | 'compute'): number {
    return this.sent.filter((s) => s.refusedBy === by).length;
  }

  send = async (request: PipelineRequest): Promise<PipelineResponse> => {
    const kind: Kind = request.method === 'GET' ? 'read' : request.method === 'DELETE' ? 'delete' : 'write';
    const sub = /\/subscriptions\/([^/]+)/.exec(request.url)![1]!;
    const arm = this.bucket(`${sub}/${kind}`, this.limits[kind]);
    const headers = createHttpHeaders();
    let status = 200;
    let refusedBy: SentCall['refusedBy'];
    if (this.refuseNext.count > 0) {
      this.refuseNext.count -= 1;
      status = 429;
      headers.set('Retry-After', String(this.refuseNext.retryAfterSeconds));
    } else if (arm.tokens < 1) {
      status = 429;
      refusedBy = 'arm';
      headers.set('Retry-After', String(arm.secondsUntilToken()));
    } else {
      arm.tokens -= 1;
      const location = this.vmPutLocation(request);
      if (location !== undefined) {
        const policies = Object.entries(this.computePolicies).map(([name, limits]) => ({
          name,
          bucket: this.bucket(`${sub}/${location}/${name}`, limits),
        }));
        const empty = policies.find((p) => p.bucket.tokens < 1);
        if (empty) {
          status = 429;
          refusedBy = 'compute';
          headers.set('Retry-After', String(empty.bucket.secondsUntilToken()));
        } else for (const p of policies) p.bucket.tokens -= 1;
        if (policies.length > 0)
          headers.set(
            'x-ms-ratelimit-remaining-resource',
            policies.map((p) => `${p.name};${Math.max(0, Math.floor(p.bucket.tokens))}`).join(','),
          );
      }
    }
    headers.set(
      `x-ms-ratelimit-remaining-subscription-${kind}s`,
      String(Math.max(0, Math.floor(arm.tokens))),
    );
    this.sent.push({
      method: request.method,
      url: request.url,
      at: this.timer.nowMs(),
      status,
      ...(refusedBy ? { refusedBy } : {}),
      headers: request.headers.toJSON(),
    });
    return { request, status, headers };
  };

  private vmPutLocation(request: PipelineRequest): string | undefined {
    if (request.method !== 'PUT' || !/\/virtualMachines\/[^/?]+(\?|$)/.test(request.url)) return undefined;
    return typeof request.body === 'string'
      ? (JSON.parse(request.body) as { location: string }).location
      : 'unknown';
  }

  private bucket(key: string, [capacity, perSecond]: [number, number]): WholeBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new WholeBucket(capacity, perSecond, this.timer.nowMs());
      this.buckets.set(key, bucket);
    }
    bucket.refill(this.timer.nowMs());
    return bucket;
  }
}
