/**
 * Disaster-recovery activation and deactivation through the product, over HTTP as an operator
 * would: `POST /api/tenants/{t}/activations` (region scope, an Idempotency-Key), then the status
 * URL until the activation is `completed`; `POST .../deactivate`, then the status URL until it is
 * `deactivated`. The drivers run in the embedded runtime's orchestration driver and the recovery
 * worker behind the local queue host, in this process, as `src/local/controlPlane.ts` starts them.
 *
 * Ends are timed by the product's own events (`activation.completed`, `activation.deactivated`,
 * emitted right after the state is written), and confirmed over HTTP; the first and last device
 * recovered by `recovery.recovered`. The status URL is probed meanwhile, like the compliance report
 * during the cycle.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../src/adapters/blob/storageErrors';
import {
  simulatedComputeContainerName,
  temporaryDevicesContainerName,
  type SimulatedComputeProvider,
} from '../src/adapters/compute/SimulatedComputeProvider';
import type { Connection } from '../src/config';
import { temporaryDeviceName } from '../src/domain/recoveryTask';
import { installOrchestrationClient } from '../src/functions/orchestrationClient';
import { registeredFunctions, type QueueFunction } from '../src/functions/registry';
import { startOrchestrationDriver } from '../src/local/durable/startOrchestrationDriver';
import type { LogHandler } from '../src/local/httpHost';
import { LocalRegions } from '../src/local/localSettings';
import { startQueueHost, type QueueHostOptions } from '../src/local/queueHost';
import { startComplianceProbe, type ProbeResult } from './complianceProbe';
import type { EventRecorder } from './cycle';
import { tagged } from './requestCounter';

/** The activation's scope in every run: the whole primary region. */
export const activationScope = { kind: 'region', region: LocalRegions.primary } as const;

export interface ActivationRuntime {
  stop(): Promise<void>;
}

/**
 * The orchestration driver (with the embedded runtime's defaults, as `startControlPlane` starts
 * it), installed as the functions' orchestration client, and the `recoverDevice` worker behind the
 * local queue host with the cycle's host settings. Timers (the sweeper, adoption) do not run.
 */
export async function startActivationRuntime(init: {
  connection: Connection;
  taskHub: string;
  queueHost: QueueHostOptions;
  driverLog: LogHandler;
  workerLog: LogHandler;
}): Promise<ActivationRuntime> {
  const functions = registeredFunctions();
  const workers = functions.filter(
    (f): f is QueueFunction => f.kind === 'queue' && f.name === 'recoverDevice',
  );
  if (workers.length !== 1) throw new Error('The recoverDevice queue worker is not registered');
  const driver = await startOrchestrationDriver({
    connection: init.connection,
    taskHub: init.taskHub,
    functions,
    log: init.driverLog,
  });
  installOrchestrationClient(driver);
  let queues;
  try {
    queues = await startQueueHost({
      connection: init.connection,
      functions: workers,
      options: init.queueHost,
      log: init.workerLog,
    });
  } catch (err) {
    await driver.stop();
    installOrchestrationClient(undefined);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= Promise.all([queues.stop(), driver.stop()]).then(() =>
        installOrchestrationClient(undefined),
      );
      return stopped;
    },
  };
}

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

/** The temporary devices the simulated provider created for one activation. */
export interface CreationCheck {
  /** Creations of this activation's names, all told. */
  total: number;
  /** Names created, each counted once. */
  names: number;
  /** Devices with no creation, and names created more than once. */
  missing: number;
  duplicated: number;
  firstProblem?: string;
}

/**
 * Counts, from the provider's markers (`creations(region)`), how many times each of the devices'
 * temporary device names of this activation was created: exactly-once means each once.
 */
export async function checkCreations(
  compute: SimulatedComputeProvider,
  activationId: string,
  deviceIds: readonly string[],
): Promise<CreationCheck> {
  const creations = await tagged('check', () => compute.creations(LocalRegions.backup));
  const expected = new Set(deviceIds.map((id) => temporaryDeviceName(activationId, id)));
  const prefix = temporaryDeviceName(activationId, '');
  let total = 0;
  let names = 0;
  let duplicated = 0;
  let firstProblem: string | undefined;
  for (const [name, count] of creations) {
    if (!name.startsWith(prefix)) continue;
    total += count;
    names += 1;
    if (count !== 1) {
      duplicated += 1;
      firstProblem ??= `${name} created ${count} times`;
    }
    if (!expected.has(name)) firstProblem ??= `${name} is no device of the fleet`;
  }
  const missing = [...expected].filter((name) => !creations.has(name));
  if (missing.length > 0) firstProblem ??= `${missing[0]} was never created`;
  return {
    total,
    names,
    missing: missing.length,
    duplicated,
    ...(firstProblem ? { firstProblem } : {}),
  };
}

/** The activation's temporary devices still in the backup region. */
export async function temporaryDevicesLeft(
  compute: SimulatedComputeProvider,
  activationId: string,
): Promise<number> {
  return await tagged('check', async () => {
    let left = 0;
    for await (const device of compute.listTemporaryDevices(LocalRegions.backup))
      if (device.tags.activationId === activationId) left += 1;
    return left;
  });
}

/**
 * Puts the backup account back as the activation found it — the verified points with their read
 * snapshots alone — since Azurite's cost per request grows with the blobs in an account: deletes
 * the temporary devices' container and the creation markers. The compute provider remembers the
 * containers it created: build the services again before the product recovers into this account
 * again.
 */
export async function resetBackupAccount(backup: BlobServiceClient): Promise<void> {
  await tagged('check', async () => {
    for (const name of [temporaryDevicesContainerName, simulatedComputeContainerName]) {
      await backup
        .getContainerClient(name)
        .delete()
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
  });
}

export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}
