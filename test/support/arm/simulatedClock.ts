/**
 * The double's only clock: real time multiplied by the time scale, plus any `advance`. Every
 * time-based behaviour (bucket refill, snapshot windows, copy progress, LROs) reads it, so a test
 * at scale 600 sees ten simulated minutes per real second.
 */
export class SimulatedClock {
  private readonly realStart = performance.now();
  private offsetMs = 0;

  constructor(
    readonly timeScale: number,
    private readonly epochMs: number = Date.now(),
  ) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${timeScale}`);
  }

  now(): number {
    return this.epochMs + (performance.now() - this.realStart) * this.timeScale + this.offsetMs;
  }

  advance(simulatedMs: number): void {
    if (!(simulatedMs >= 0))
      throw new RangeError(`advance takes a non-negative duration, got ${simulatedMs}`);
    this.offsetMs += simulatedMs;
  }
}
