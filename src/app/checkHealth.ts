import { ensureErrorType } from '../domain/errors';
import type { HealthProbe } from '../ports/HealthProbe';

export interface DependencyHealth {
  name: string;
  healthy: boolean;
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  healthy: boolean;
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
  return { healthy: dependencies.every((d) => d.healthy), dependencies };
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
    return { name: probe.name, healthy: true, latencyMs: elapsed(started) };
  } catch (err) {
    return {
      name: probe.name,
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
