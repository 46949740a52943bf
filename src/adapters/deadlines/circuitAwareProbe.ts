/**
 * A health probe that reports its dependency down while any of the dependency's circuits is open,
 * without calling it: the breaker already knows, and `/api/health` then says what the API does
 * (503s naming it). Once the circuit is due for a probe the check calls the dependency again, and
 * its answer closes the circuit, so health also helps bring a recovered region back.
 */
import type { HealthProbe } from '../../ports/HealthProbe';
import type { DependencyGuards } from './DependencyGuards';

export function circuitAwareProbe(probe: HealthProbe, guards: DependencyGuards): HealthProbe {
  return {
    name: probe.name,
    essential: probe.essential,
    async check(abortSignal) {
      if (guards.openDependencies().has(probe.name))
        throw new Error(`${probe.name}: its circuit is open after calls to it got no answer`);
      await probe.check(abortSignal);
    },
  };
}
