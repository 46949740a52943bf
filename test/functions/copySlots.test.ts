/**
 * The copy-slot timer is defined once for both hosts: the registry the embedded timer host reads
 * holds it with the schedule the Functions host is given.
 */
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import '../../src/functions/copySlots';
import { registeredFunctions, type TimerFunction } from '../../src/functions/registry';
import { resolveSchedule } from '../../src/local/timerHost';

describe('grantCopySlots', () => {
  it('is a registered timer that fires every 5 seconds', () => {
    const timer = registeredFunctions().find(
      (f): f is TimerFunction => f.kind === 'timer' && f.name === 'grantCopySlots',
    );
    expect(timer).toBeDefined();
    const cron = new Cron(resolveSchedule(timer!.schedule, {}), { timezone: 'UTC' });
    const [first, second] = cron.nextRuns(2, new Date('2026-12-07T10:00:00.500Z'));
    expect(first!.toISOString()).toBe('2026-12-07T10:00:05.000Z');
    expect(second!.getTime() - first!.getTime()).toBe(5_000);
  });
});
