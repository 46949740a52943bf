/** A token bucket on the simulated clock (rule arm.throttle.tokenBucket): starts full, refills continuously. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(
        this.capacity,
        this.tokens + ((now - this.updatedAt) / 1000) * this.refillPerSecond,
      );
      this.updatedAt = now;
    }
  }

  /** Whole tokens available now (what the remaining-count header reports). */
  remaining(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  canTake(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  /** Simulated ms until one token is available. */
  msUntilToken(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return ((1 - this.tokens) / this.refillPerSecond) * 1000;
  }
}
