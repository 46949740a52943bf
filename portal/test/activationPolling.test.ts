/**
 * The watch page polls the activation's status URL at the Retry-After each answer gives, and stops
 * once the activation has settled.
 */
import { describe, expect, it } from 'vitest';
import { activationIsSettled, polledActivation } from '../src/logic/activationPolling';
import type { ActivationReport } from '../src/logic/activationTypes';
import { nextPollDelay } from '../src/logic/pollDelay';

const report = (state: ActivationReport['state']) => ({ state }) as ActivationReport;
const answer = (headers: Record<string, string>) => new Response('{}', { headers });

describe('polling an activation', () => {
  it('looks again after the Retry-After the answer gave', () => {
    const polled = polledActivation(report('recovering'), answer({ 'retry-after': '5' }));
    expect(polled.retryAfterMs).toBe(5_000);
    expect(nextPollDelay(polled.retryAfterMs, 0)).toBe(5_000);
    const slower = polledActivation(report('recovering'), answer({ 'retry-after': '20' }));
    expect(nextPollDelay(slower.retryAfterMs, 0)).toBe(20_000);
  });

  it('takes an HTTP-date Retry-After too', () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const polled = polledActivation(report('deactivating'), answer({ 'retry-after': at }));
    expect(polled.retryAfterMs).toBeGreaterThan(20_000);
    expect(polled.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('falls back to the default when the answer gave none, and backs off after failures', () => {
    const polled = polledActivation(report('planning'), answer({}));
    expect(polled).not.toHaveProperty('retryAfterMs');
    expect(nextPollDelay(polled.retryAfterMs, 0)).toBe(5_000);
    expect(nextPollDelay(undefined, 2)).toBe(20_000);
  });

  it('keeps a hostile Retry-After within bounds', () => {
    expect(
      nextPollDelay(polledActivation(report('recovering'), answer({ 'retry-after': '0' })).retryAfterMs, 0),
    ).toBe(1_000);
    expect(
      nextPollDelay(
        polledActivation(report('recovering'), answer({ 'retry-after': '86400' })).retryAfterMs,
        0,
      ),
    ).toBe(60_000);
  });

  it('stops once the activation has settled, and not before', () => {
    expect(activationIsSettled(report('planning'))).toBe(false);
    expect(activationIsSettled(report('recovering'))).toBe(false);
    expect(activationIsSettled(report('deactivating'))).toBe(false);
    expect(activationIsSettled(report('completed'))).toBe(true);
    expect(activationIsSettled(report('cancelled'))).toBe(true);
    expect(activationIsSettled(report('deactivated'))).toBe(true);
  });
});
