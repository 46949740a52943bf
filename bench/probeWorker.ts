/**
 * The probe's request loop, run on a thread of its own by `startComplianceProbe`. A client of the
 * API is never on the control plane's event loop: on the bench's own loop, the client's sending
 * and reading of each request waited behind the workers' handlers as well, which no real client
 * does (the slowest 3 % of status reads at 10,000 devices, 95 ms on average, spent 16 ms before
 * the server saw them and 27 ms after its last byte). A thread still shares the machine's cores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

export interface ProbeSettings {
  url: string;
  token: string;
  intervalMs: number;
  maxRequests: number;
  /** Whether each successful answer's body is posted back (the activation reads its state). */
  withBodies: boolean;
}

/** What the thread posts back, in order; `done` last. */
export type ProbeMessage =
  | { kind: 'answer'; latencyMs: number; body?: string }
  | { kind: 'error'; message: string }
  | { kind: 'done' };

/** What the owner posts to end the loop after the request in flight. */
export const stopMessage = 'stop';

async function probe(settings: ProbeSettings, port: NonNullable<typeof parentPort>): Promise<void> {
  const stopping = new AbortController();
  port.on('message', (message) => {
    if (message === stopMessage) stopping.abort();
  });
  const post = (message: ProbeMessage) => port.postMessage(message);
  for (let made = 0; !stopping.signal.aborted && made < settings.maxRequests; made++) {
    const started = performance.now();
    try {
      const response = await fetch(settings.url, { headers: { authorization: `Bearer ${settings.token}` } });
      const body = await response.text();
      const latencyMs = performance.now() - started;
      if (response.ok) post({ kind: 'answer', latencyMs, ...(settings.withBodies ? { body } : {}) });
      else post({ kind: 'error', message: `${response.status}: ${body.slice(0, 300)}` });
    } catch (err) {
      post({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
    }
    const wait = settings.intervalMs - (performance.now() - started);
    if (wait > 0) await sleep(wait, undefined, { signal: stopping.signal }).catch(() => undefined);
  }
  post({ kind: 'done' });
  // Nothing else keeps the thread alive once its owner's messages are no longer awaited.
  port.unref();
}

if (parentPort) void probe(workerData as ProbeSettings, parentPort);
