/**
 * Puts the process's ARM pacer on the ARM double's clock. The double's token buckets refill in its
 * simulated time (timeScale × real time), and the pacer must reckon its refill in the same time or
 * it paces at 1 ÷ timeScale of what the limits allow. The composition root builds the pacer on
 * `systemPacerTimer` and takes no timer override yet, so this swaps that timer's two functions for
 * the run and puts them back after (a `timer` in `ArmOverrides` would make it unnecessary).
 */
import { systemPacerTimer, type PacerTimer } from '../src/adapters/arm/pacing/pacerTimer';

export interface SimulatedClockSource {
  /** Simulated ms now. */
  clock(): number;
}

export function paceOnDoubleClock(double: SimulatedClockSource, timeScale: number): () => void {
  if (!(timeScale > 0)) throw new RangeError('timeScale must be positive');
  const timer: PacerTimer = systemPacerTimer;
  const saved: PacerTimer = { nowMs: timer.nowMs.bind(timer), sleep: timer.sleep.bind(timer) };
  timer.nowMs = () => double.clock();
  // A wait of simulated ms is that many ÷ timeScale real ms.
  timer.sleep = (ms, signal) => saved.sleep(ms / timeScale, signal);
  return () => {
    Object.assign(timer, saved);
  };
}
