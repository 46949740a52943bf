/**
 * The double's only clock: real time multiplied by the time scale, plus any `advance`. Every
 * time-based behaviour (bucket refill, snapshot windows, copy progress, LROs) reads it, so a test
 * at scale 600 sees ten simulated minutes per real second.
 *
 * Its state can live in shared memory (`ArmDoubleOptions.clockState`): the recovery-arm benchmark
 * runs the double in a thread of its own, so that the double's work is not the control plane's,
 * and the benchmark's thread reads the same clock (`simulatedNow`) and moves it on. Real time is
 * then read from the process's monotonic clock, which every thread shares (`performance.now()`
 * counts from each thread's own start).
 */

/** The state's fields: [epoch ms, real ms at the start, ms advanced]. */
export const clockStateLength = 3;

/** Real milliseconds on the process's monotonic clock, the same in every thread. */
export function realNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The simulated ms now of a clock whose state is `state`, from any thread. */
export function simulatedNow(state: Float64Array, timeScale: number): number {
  return state[0]! + (realNowMs() - state[1]!) * timeScale + state[2]!;
}

export class SimulatedClock {
  readonly state: Float64Array;

  constructor(
    readonly timeScale: number,
    epochMs: number = Date.now(),
    /** Shared with another thread; started here unless it already is. */
    state?: Float64Array,
  ) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${timeScale}`);
    if (state && state.length !== clockStateLength)
      throw new RangeError(`A clock's state holds ${clockStateLength} numbers, got ${state.length}`);
    this.state = state ?? new Float64Array(clockStateLength);
    if (this.state[1] === 0) {
      this.state[0] = epochMs;
      this.state[1] = realNowMs();
    }
  }

  now(): number {
    return simulatedNow(this.state, this.timeScale);
  }

  advance(simulatedMs: number): void {
    if (!(simulatedMs >= 0))
      throw new RangeError(`advance takes a non-negative duration, got ${simulatedMs}`);
    this.state[2] = this.state[2]! + simulatedMs;
  }
}
