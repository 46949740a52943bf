import { ensureErrorType } from '../domain/errors';
import type { HealthProbe } from '../ports/HealthProbe';

export interface DependencyHealth {
  name: string;
  essential: boolean;
  healthy: boolean;
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  /** Every essential dependency answers: this region can serve (Front Door keeps it in rotation). */
  healthy: boolean;
  /** Healthy, but some other dependency does not answer (e.g. the storage of a region that is down). */
  degraded: boolean;
  dependencies: DependencyHealth[];
}

export interface CheckHealthOptions {
  /** A dependency that has not answered by then counts as unreachable. */
  timeoutInMs?: number;
}

/** Probes every dependency at once, so the report takes as long as the slowest, not their sum. */
export async function checkHealth(
  probes: readonly HealthProbe[],
  options: CheckHealthOptions = {},
): Promise<HealthReport> {
  const timeoutInMs = options.timeoutInMs ?? 5_000;
  const dependencies = await Promise.all(probes.map((probe) => runProbe(probe, timeoutInMs)));
  const healthy = dependencies.every((d) => d.healthy || !d.essential);
  return { healthy, degraded: healthy && dependencies.some((d) => !d.healthy), dependencies };
}

async function runProbe(probe: HealthProbe, timeoutInMs: number): Promise<DependencyHealth> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutInMs} ms`));
    }, timeoutInMs);
  });
  try {
    await Promise.race([probe.check(controller.signal), timeout]);
    return { name: probe.name, essential: probe.essential, healthy: true, latencyMs: elapsed(started) };
  } catch (err) {
    return {
      name: probe.name,
      essential: probe.essential,
      healthy: false,
      latencyMs: elapsed(started),
      error: ensureErrorType(err).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
