/**
 * The compliance report's latency as a client sees it: `GET /api/tenants/{t}/compliance?pageSize=50`
 * over real HTTP with a bearer token, one request at a time, one every `intervalMs` (or as soon as
 * the previous answered, if it took longer), until stopped. Latency is to the last byte of the body.
 * The activation phase probes `GET /api/tenants/{t}/activations/{id}` the same way, and reads each
 * answer (`onResponse`) to see the activation's state.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeResult {
  /** Milliseconds of every successful request, in order. */
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

export interface ComplianceProbe {
  /** Stops after the request in flight (if any) and returns what was measured. */
  stop(): Promise<ProbeResult>;
  /** Settles once `maxRequests` requests were made (or the probe is stopped). */
  done: Promise<ProbeResult>;
}

export function startComplianceProbe(
  url: string,
  token: string,
  intervalMs: number,
  maxRequests = Number.POSITIVE_INFINITY,
  /** Every successful answer's body, as it arrives (after its latency is taken). */
  onResponse?: (body: string) => void,
): ComplianceProbe {
  const stopping = new AbortController();
  const result: ProbeResult = { latenciesMs: [], errors: 0 };
  const loop = (async () => {
    while (!stopping.signal.aborted && result.latenciesMs.length + result.errors < maxRequests) {
      const started = performance.now();
      try {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = await response.text();
        if (response.ok) {
          result.latenciesMs.push(performance.now() - started);
          onResponse?.(body);
        } else {
          result.errors += 1;
          result.firstError ??= `${response.status}: ${body.slice(0, 300)}`;
        }
      } catch (err) {
        result.errors += 1;
        result.firstError ??= err instanceof Error ? err.message : String(err);
      }
      const wait = intervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();
  const done = loop.then(() => result);
  return {
    async stop() {
      stopping.abort();
      return await done;
    },
    done,
  };
}

/** `count` requests one after another, with nothing else running: the report's own latency. */
export async function sampleCompliance(url: string, token: string, count: number): Promise<ProbeResult> {
  const probe = startComplianceProbe(url, token, 0, count);
  return await probe.done;
}
