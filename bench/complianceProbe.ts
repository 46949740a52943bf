/**
 * The compliance report's latency as a client sees it: `GET /api/tenants/{t}/compliance?pageSize=50`
 * over real HTTP with a bearer token, one request at a time, one every `intervalMs` (or as soon as
 * the previous answered, if it took longer), until stopped. Latency is to the last byte of the body.
 * The activation phase probes `GET /api/tenants/{t}/activations/{id}` the same way, and reads each
 * answer (`onResponse`) to see the activation's state. The requests are made from a thread of its
 * own (`probeWorker.ts`), as a client on another machine would make them.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { stopMessage, type ProbeMessage, type ProbeSettings } from './probeWorker';

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
  const settings: ProbeSettings = {
    url,
    token,
    intervalMs,
    maxRequests,
    withBodies: onResponse !== undefined,
  };
  // The bench runs through tsx and is never compiled, so the thread loads TypeScript the same way.
  const worker = new Worker(join(__dirname, 'probeWorker.ts'), {
    workerData: settings,
    execArgv: ['--require', require.resolve('tsx/cjs')],
  });
  const result: ProbeResult = { latenciesMs: [], errors: 0 };
  const failed = (message: string) => {
    result.errors += 1;
    result.firstError ??= message;
  };
  const done = new Promise<ProbeResult>((resolve) => {
    worker.on('message', (message: ProbeMessage) => {
      if (message.kind === 'answer') {
        result.latenciesMs.push(message.latencyMs);
        if (message.body !== undefined) onResponse?.(message.body);
      } else if (message.kind === 'error') failed(message.message);
      else resolve(result);
    });
    worker.on('error', (err) => failed(`The probe's thread failed: ${err.message}`));
    // After `done`, this changes nothing; before it, the thread died and the figures are partial.
    worker.on('exit', () => resolve(result));
  });
  return {
    async stop() {
      worker.postMessage(stopMessage);
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
