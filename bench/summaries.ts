/** What the probes, the waves, the event loop and the workers' logs measured, as the report keeps it. */
import type { IntervalHistogram } from 'node:perf_hooks';
import type { WaveTimes } from './activation';
import type { ProbeResult } from './complianceProbe';
import type { WorkerLog } from './cycle';
import type { StatusProbeDetails } from './runDetails';
import { percentile, round } from './stats';

/** The status probe's latencies as the report keeps them. */
export function statusProbeDetails(probe: ProbeResult): StatusProbeDetails {
  const latencies = probe.latenciesMs;
  return {
    samples: latencies.length,
    errors: probe.errors,
    p50Ms: round(percentile(latencies, 50) ?? Number.NaN, 1),
    p99Ms: round(percentile(latencies, 99) ?? Number.NaN, 1),
    maxMs: round(Math.max(0, ...latencies), 1),
    ...(probe.firstError ? { firstError: probe.firstError } : {}),
  };
}

/** Wave times to the hundredth of a second. */
export function roundWaves(waves: WaveTimes[]): WaveTimes[] {
  const r = (n: number | undefined) => (n === undefined ? undefined : round(n, 2));
  return waves.map((w) => ({ ...w, seconds: r(w.seconds), startedAfterSeconds: r(w.startedAfterSeconds) }));
}

/** A worker log's counts as they are now: the log goes on counting in the next phase. */
export function snapshotLog(log: WorkerLog): {
  outcomes: Record<string, number>;
  problems: number;
  firstProblem?: string;
} {
  return {
    outcomes: { ...log.outcomes },
    problems: log.problems,
    ...(log.firstProblem ? { firstProblem: log.firstProblem } : {}),
  };
}

/** How late the event loop ran timers while `histogram` was enabled, in ms. */
export function eventLoopDelay(histogram: IntervalHistogram): { p50: number; p99: number; max: number } {
  const ms = (ns: number) => round(ns / 1e6, 1);
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}
