/**
 * Runs the ARM double's clock faster while a benchmark sets up what it does not measure (the
 * fleet's registration and its protection cycle), then lets it run at its own time scale again.
 * The double's scale is fixed when it starts; `advance` is the only way to move its time on, so
 * this advances it every few real milliseconds by what the extra speed adds since the last step.
 * Every bucket, copy and operation of the double reckons on that clock, so the set-up's calls
 * stay within ARM's limits; they are only worth fewer real seconds.
 */
import type { ArmDouble } from '../test/support/arm/startArmDouble';

export interface FastForward {
  /** Stops advancing; the double's clock runs at its own scale from then on. */
  stop(): void;
}

const stepRealMs = 10;

/** Makes the double's clock run at `simulatedPerRealSecond` (≥ its own time scale) until stopped. */
export function fastForward(
  double: Pick<ArmDouble, 'advance' | 'stats'>,
  simulatedPerRealSecond: number,
): FastForward {
  const own = double.stats().timeScale;
  if (!(simulatedPerRealSecond >= own))
    throw new RangeError(
      `fast-forward to ${simulatedPerRealSecond}× is slower than the double's own ${own}×`,
    );
  let last = performance.now();
  // Measured per step, not assumed: a step the event loop ran late advances as much more.
  const timer = setInterval(() => {
    const now = performance.now();
    double.advance((now - last) * (simulatedPerRealSecond - own));
    last = now;
  }, stepRealMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
