import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerPermit } from '../../../src/adapters/deadlines/CircuitBreaker';

function breaker(now: { t: number }, changes: string[] = []) {
  return new CircuitBreaker({
    failureThreshold: 3,
    openForMs: 15_000,
    now: () => now.t,
    onStateChange: (state) => changes.push(state),
  });
}

function permit(b: CircuitBreaker): BreakerPermit {
  const admission = b.admit();
  if (!('permit' in admission)) throw new Error(`refused: ${JSON.stringify(admission)}`);
  return admission.permit;
}

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row, and refuses calls until its time is up', () => {
    const now = { t: 0 };
    const b = breaker(now);
    permit(b).failed();
    permit(b).failed();
    expect(b.state).toBe('closed');
    permit(b).failed();
    expect(b.state).toBe('open');
    now.t = 10_000;
    expect(b.admit()).toEqual({ rejected: true, retryAfterMs: 5_000 });
  });

  it('counts only failures in a row: an answer in between starts the count again', () => {
    const b = breaker({ t: 0 });
    permit(b).failed();
    permit(b).failed();
    permit(b).succeeded();
    permit(b).failed();
    permit(b).failed();
    expect(b.state).toBe('closed');
  });

  it('lets one probe through once the time is up, and refuses the others while it is out', () => {
    const now = { t: 0 };
    const b = breaker(now);
    for (let i = 0; i < 3; i++) permit(b).failed();
    now.t = 15_000;
    expect(b.state).toBe('half-open');
    const probe = permit(b);
    expect('rejected' in b.admit()).toBe(true);
    probe.succeeded();
    expect(b.state).toBe('closed');
    expect('permit' in b.admit()).toBe(true);
  });

  it('opens again for the full time when the probe fails', () => {
    const now = { t: 0 };
    const changes: string[] = [];
    const b = breaker(now, changes);
    for (let i = 0; i < 3; i++) permit(b).failed();
    now.t = 20_000;
    permit(b).failed();
    expect(b.state).toBe('open');
    expect(b.remainingOpenMs).toBe(15_000);
    expect(changes).toEqual(['open', 'half-open', 'open']);
  });

  it('takes a released probe as no news: the next call probes instead', () => {
    const now = { t: 0 };
    const b = breaker(now);
    for (let i = 0; i < 3; i++) permit(b).failed();
    now.t = 15_000;
    permit(b).released();
    expect(b.state).toBe('half-open');
    permit(b).succeeded();
    expect(b.state).toBe('closed');
  });

  it('does not let a call that started before the circuit opened close it', () => {
    const now = { t: 0 };
    const b = breaker(now);
    const straggler = permit(b);
    for (let i = 0; i < 3; i++) permit(b).failed();
    straggler.succeeded();
    expect(b.state).toBe('open');
  });

  it('settles a permit once', () => {
    const b = breaker({ t: 0 });
    const p = permit(b);
    p.failed();
    p.failed();
    p.failed();
    expect(b.state).toBe('closed');
  });
});
