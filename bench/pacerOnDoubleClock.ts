/**
 * The ARM pacer's timer on the ARM double's clock (the composition root's `arm.pacer.timer`). The
 * double's token buckets refill in its simulated time (timeScale × real time), and the pacer must
 * reckon its refill in the same time or it paces at 1 ÷ timeScale of what the limits allow; its
 * waits (and its 10 s bound on one) are simulated time too, as they are ARM's time in Azure.
 */
import { systemPacerTimer, type PacerTimer } from '../src/adapters/arm/pacing/pacerTimer';

export interface SimulatedClockSource {
  /** Simulated ms now. */
  clock(): number;
}

export function pacerOnDoubleClock(double: SimulatedClockSource, timeScale: number): PacerTimer {
  if (!(timeScale > 0)) throw new RangeError('timeScale must be positive');
  return {
    nowMs: () => double.clock(),
    // A wait of simulated ms is that many ÷ timeScale real ms.
    sleep: async (ms, signal) => await systemPacerTimer.sleep(ms / timeScale, signal),
  };
}
