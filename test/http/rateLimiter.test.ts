import { describe, expect, it } from 'vitest';
import { HttpLimits } from '../../src/http/limits';
import { RateLimiter } from '../../src/http/rateLimiter';

function limiterAt(start = 0) {
  const clock = { ms: start };
  const limiter = new RateLimiter(HttpLimits.mutatingRequests, () => clock.ms);
  return { clock, limiter };
}

const { burst, perMinute } = HttpLimits.mutatingRequests;
const msPerRequest = 60_000 / perMinute;

describe('RateLimiter (the mutation limit)', () => {
  it('serves a burst at once, then refuses with the seconds until the next request is due', () => {
    const { limiter } = limiterAt();
    for (let i = 0; i < burst; i++) expect(limiter.take('a'), `request ${i + 1}`).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: Math.ceil(msPerRequest / 1000) });
  });

  it('refills at the steady rate, never beyond the burst', () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < burst; i++) limiter.take('a');
    clock.ms += msPerRequest;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);

    clock.ms += 24 * 3_600_000; // a quiet day refills to the burst, not more
    for (let i = 0; i < burst; i++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('keeps callers apart, and forgets idle ones without changing a decision', () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < burst; i++) limiter.take('busy');
    expect(limiter.take('other').allowed).toBe(true);
    // Many one-off callers make the limiter sweep; the busy caller's empty bucket survives it.
    for (let i = 0; i < 10_001; i++) limiter.take(`caller-${i}`);
    clock.ms += 1;
    expect(limiter.take('busy').allowed).toBe(false);
  });

  it('gives back what a refund returns, never beyond the burst', () => {
    const { limiter } = limiterAt();
    limiter.refund('a'); // nothing taken yet: nothing to give back
    for (let i = 0; i < burst; i++) limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    limiter.refund('a');
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);

    const other = limiterAt().limiter;
    other.take('b');
    other.refund('b');
    other.refund('b');
    for (let i = 0; i < burst; i++) expect(other.take('b').allowed).toBe(true);
    expect(other.take('b').allowed).toBe(false);
  });
});

describe('RateLimiter (requests without a valid token, per address)', () => {
  it('serves a burst of 300, then 10 a second', () => {
    const clock = { ms: 0 };
    const limiter = new RateLimiter(HttpLimits.unauthenticatedRequests, () => clock.ms);
    for (let i = 0; i < 300; i++) expect(limiter.take('198.51.100.7').allowed).toBe(true);
    expect(limiter.take('198.51.100.7')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.ms += 1000;
    for (let i = 0; i < 10; i++) expect(limiter.take('198.51.100.7').allowed).toBe(true);
    expect(limiter.take('198.51.100.7').allowed).toBe(false);
  });
});
