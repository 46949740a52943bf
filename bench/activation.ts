/**
 * Disaster-recovery activation and deactivation through the product, over HTTP as an operator
 * would: `POST /api/tenants/{t}/activations` (region scope, an Idempotency-Key), then the status
 * URL until the activation is `completed`; `POST .../deactivate`, then the status URL until it is
 * `deactivated`. The drivers run in the embedded runtime's orchestration driver and the recovery
 * worker behind the local queue host, in this process (bench/recoveryDrivers.ts).
 *
 * Ends are timed by the product's own events (`activation.completed`, `activation.deactivated`,
 * emitted right after the state is written), and confirmed over HTTP; the first and last device
 * recovered by `recovery.recovered`. The status URL is probed meanwhile, like the compliance report
 * during the cycle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalRegions } from '../src/local/localSettings';
import { startComplianceProbe, type ProbeResult } from './complianceProbe';
import type { EventRecorder } from './cycle';

/** The activation's scope in every run: the whole primary region. */
export const activationScope = { kind: 'region', region: LocalRegions.primary } as const;

/** What the status URL answers, as far as the benchmark reads it. */
export interface ActivationStatus {
  id: string;
  state: string;
  requestedAt: string;
  plannedAt?: string;
  lastRecoveredAt?: string;
  total: number;
  counts: Record<string, number>;
  waveProgress: {
    wave: number;
    label: string;
    total: number;
    startedAt?: string;
    endedAt?: string;
    outcome?: string;
  }[];
  rtoSeconds?: number;
}

export interface ActivationApi {
  /** `http://127.0.0.1:{port}/api/tenants/{t}` */
  tenantUrl: string;
  operatorToken: string;
  readerToken: string;
}

/** The activation (or deactivation) ran out of time; `status` is the last the status URL said. */
export class ActivationTimeoutError extends Error {
  constructor(
    readonly phase: 'activation' | 'deactivation',
    readonly status: ActivationStatus | undefined,
    readonly elapsedMs: number,
  ) {
    super(
      `The ${phase} did not finish within ${(elapsedMs / 1000).toFixed(1)} s: ` +
        (status
          ? `state ${status.state}, ${JSON.stringify(nonZero(status.counts))} of ${status.total}`
          : 'no status was read'),
    );
  }
}

export interface PhaseMeasurement {
  activationId: string;
  /** From the POST to the end state (the product's event, else the status URL). */
  wallMs: number;
  timedBy: 'events' | 'status';
  /** The run stopped before the end state because `stopWhen` said so (a capacity-limited run). */
  stoppedEarly: boolean;
  /** The status URL after the end. */
  status: ActivationStatus;
  /** Latency of the status URL while the phase ran. */
  probe: ProbeResult;
}

export interface ActivationMeasurement extends PhaseMeasurement {
  /** From the POST to the first and the last `recovery.recovered`; undefined when none. */
  firstMs: number | undefined;
  lastRecoveredMs: number | undefined;
  recoveredEvents: number;
}

export interface ActivationInput {
  api: ActivationApi;
  idempotencyKey: string;
  events: EventRecorder;
  probeIntervalMs: number;
  timeoutMs: number;
  /** Ends the wait before `completed` when this says nothing more will recover. */
  stopWhen?: (status: ActivationStatus) => boolean;
}

/** POST the activation of the primary region; wait for `completed`. */
export async function runActivation(input: ActivationInput): Promise<ActivationMeasurement> {
  const { api, events } = input;
  events.reset();
  const started = performance.now();
  const response = await fetch(`${api.tenantUrl}/activations`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${api.operatorToken}`,
      'content-type': 'application/json',
      'idempotency-key': input.idempotencyKey,
    },
    body: JSON.stringify({ scope: activationScope }),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST activations answered ${response.status}: ${text}`);
  const activationId = (JSON.parse(text) as { id: string }).id;
  const phase = await waitFor({
    api,
    activationId,
    phase: 'activation',
    state: 'completed',
    endEvent: 'activation.completed',
    events,
    started,
    probeIntervalMs: input.probeIntervalMs,
    timeoutMs: input.timeoutMs,
    ...(input.stopWhen ? { stopWhen: input.stopWhen } : {}),
  });
  const recovered = events.times['recovery.recovered'];
  return {
    ...phase,
    firstMs: recovered ? recovered.first - started : undefined,
    lastRecoveredMs: recovered ? recovered.last - started : undefined,
    recoveredEvents: recovered?.count ?? 0,
  };
}

/** POST deactivate; wait for `deactivated`. */
export async function runDeactivation(input: {
  api: ActivationApi;
  activationId: string;
  events: EventRecorder;
  probeIntervalMs: number;
  timeoutMs: number;
}): Promise<PhaseMeasurement> {
  const { api, events } = input;
  events.reset();
  const started = performance.now();
  const response = await fetch(`${api.tenantUrl}/activations/${input.activationId}/deactivate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.operatorToken}` },
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST deactivate answered ${response.status}: ${text}`);
  return await waitFor({
    api,
    activationId: input.activationId,
    phase: 'deactivation',
    state: 'deactivated',
    endEvent: 'activation.deactivated',
    events,
    started,
    probeIntervalMs: input.probeIntervalMs,
    timeoutMs: input.timeoutMs,
  });
}

/** How often the wait looks at the events and the probe's last answer. */
const checkEveryMs = 25;

async function waitFor(input: {
  api: ActivationApi;
  activationId: string;
  phase: 'activation' | 'deactivation';
  state: string;
  endEvent: string;
  events: EventRecorder;
  started: number;
  probeIntervalMs: number;
  timeoutMs: number;
  stopWhen?: (status: ActivationStatus) => boolean;
}): Promise<PhaseMeasurement> {
  const url = statusUrl(input.api, input.activationId);
  let last: ActivationStatus | undefined;
  let reachedAt: number | undefined;
  const probe = startComplianceProbe(
    url,
    input.api.readerToken,
    input.probeIntervalMs,
    Number.POSITIVE_INFINITY,
    (body) => {
      last = JSON.parse(body) as ActivationStatus;
      if (last.state === input.state) reachedAt ??= performance.now();
    },
  );
  let endAt: number;
  let timedBy: PhaseMeasurement['timedBy'];
  let stoppedEarly = false;
  let probed: ProbeResult;
  try {
    for (;;) {
      const event = input.events.times[input.endEvent];
      if (event !== undefined || reachedAt !== undefined) {
        endAt = Math.min(event?.first ?? Number.POSITIVE_INFINITY, reachedAt ?? Number.POSITIVE_INFINITY);
        timedBy =
          event !== undefined && event.first <= (reachedAt ?? Number.POSITIVE_INFINITY) ? 'events' : 'status';
        break;
      }
      if (last && input.stopWhen?.(last)) {
        endAt = performance.now();
        timedBy = 'status';
        stoppedEarly = true;
        break;
      }
      const elapsed = performance.now() - input.started;
      if (elapsed > input.timeoutMs) throw new ActivationTimeoutError(input.phase, last, elapsed);
      await sleep(checkEveryMs);
    }
  } finally {
    probed = await probe.stop();
  }
  // Confirmed over HTTP: the event is emitted once the state is written, so this is at once.
  let status = await readStatus(input.api, input.activationId);
  while (!stoppedEarly && status.state !== input.state) {
    if (performance.now() - input.started > input.timeoutMs)
      throw new ActivationTimeoutError(input.phase, status, performance.now() - input.started);
    await sleep(checkEveryMs);
    status = await readStatus(input.api, input.activationId);
  }
  return {
    activationId: input.activationId,
    wallMs: endAt - input.started,
    timedBy,
    stoppedEarly,
    status,
    probe: probed,
  };
}

function statusUrl(api: ActivationApi, activationId: string): string {
  return `${api.tenantUrl}/activations/${activationId}`;
}

export async function readStatus(api: ActivationApi, activationId: string): Promise<ActivationStatus> {
  const response = await fetch(statusUrl(api, activationId), {
    headers: { authorization: `Bearer ${api.readerToken}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET activation answered ${response.status}: ${text}`);
  return JSON.parse(text) as ActivationStatus;
}

/** Per wave: its devices, how long from its start to its end, and when it started after the request. */
export interface WaveTimes {
  label: string;
  devices: number;
  seconds: number | undefined;
  startedAfterSeconds: number | undefined;
  outcome: string | undefined;
}

export function waveTimes(status: ActivationStatus): WaveTimes[] {
  const requestedAt = Date.parse(status.requestedAt);
  return status.waveProgress.map((w) => {
    const started = w.startedAt ? Date.parse(w.startedAt) : undefined;
    const ended = w.endedAt ? Date.parse(w.endedAt) : undefined;
    return {
      label: w.label,
      devices: w.total,
      seconds: started !== undefined && ended !== undefined ? (ended - started) / 1000 : undefined,
      startedAfterSeconds: started !== undefined ? (started - requestedAt) / 1000 : undefined,
      outcome: w.outcome,
    };
  });
}

export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}
