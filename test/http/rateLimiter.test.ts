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
});
