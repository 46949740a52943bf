/**
 * A circuit breaker for one dependency: after `failureThreshold` calls in a row that got no answer
 * (timed out, or could not connect) it opens, and calls fail at once for `openForMs`; then it lets
 * one call through to probe (half-open): an answer closes it, another failure opens it again.
 * Only "no answer" counts: a 404 or a 503 is the dependency answering.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  openForMs: number;
  /** Milliseconds; the system clock unless a test drives it. */
  now?: () => number;
  onStateChange?: (state: BreakerState, consecutiveFailures: number) => void;
}

/** The right to make one call, and the duty to say how it went. */
export interface BreakerPermit {
  /** The dependency answered. */
  succeeded(): void;
  /** The dependency did not answer (timeout, connection refused or reset). */
  failed(): void;
  /** The call ended for a reason that says nothing about the dependency (the caller's deadline). */
  released(): void;
}

export type Admission = { permit: BreakerPermit } | { rejected: true; retryAfterMs: number };

export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openUntil = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new RangeError('failureThreshold must be at least 1');
    if (options.openForMs < 0) throw new RangeError('openForMs must not be negative');
    this.now = options.now ?? Date.now;
  }

  /** The state as a caller arriving now would find it: an open circuit whose time is up is half-open. */
  get state(): BreakerState {
    if (this.stateNow === 'open' && this.now() >= this.openUntil) return 'half-open';
    return this.stateNow;
  }

  /** How long calls will still be refused without a probe; 0 unless the circuit is open. */
  get remainingOpenMs(): number {
    return this.stateNow === 'open' ? Math.max(0, this.openUntil - this.now()) : 0;
  }

  admit(): Admission {
    if (this.state === 'closed') return { permit: this.permit(false) };
    if (this.state === 'half-open' && !this.trialInFlight) {
      if (this.stateNow !== 'half-open') this.transition('half-open');
      this.trialInFlight = true;
      return { permit: this.permit(true) };
    }
    // Open, or half-open with its one probe still out: come back when the probe may have answered.
    return { rejected: true, retryAfterMs: Math.max(this.remainingOpenMs, 1_000) };
  }

  private permit(trial: boolean): BreakerPermit {
    let settled = false;
    const settle = (outcome: 'succeeded' | 'failed' | 'released') => {
      if (settled) return;
      settled = true;
      if (trial) this.trialInFlight = false;
      if (outcome === 'released') return;
      if (outcome === 'succeeded') {
        this.consecutiveFailures = 0;
        // Only the probe closes an open circuit; a straggler from before it opened proves less.
        if (trial || this.stateNow === 'closed') this.transition('closed');
        return;
      }
      this.consecutiveFailures += 1;
      if (
        trial ||
        (this.stateNow === 'closed' && this.consecutiveFailures >= this.options.failureThreshold)
      ) {
        this.openUntil = this.now() + this.options.openForMs;
        this.transition('open');
      }
    };
    return {
      succeeded: () => settle('succeeded'),
      failed: () => settle('failed'),
      released: () => settle('released'),
    };
  }

  private transition(state: BreakerState): void {
    const changed = this.stateNow !== state;
    this.stateNow = state;
    // Re-opening after a failed probe is news too: the dependency is still down.
    if (changed || state === 'open') this.options.onStateChange?.(state, this.consecutiveFailures);
  }
}
