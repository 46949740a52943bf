import type { Timer } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { TimerFunction } from '../../src/functions/registry';
import { resolveSchedule, startTimerHost } from '../../src/local/timerHost';

function timer(name: string, schedule: string, handler: TimerFunction['handler']): TimerFunction {
  return { kind: 'timer', name, schedule, handler };
}

describe('startTimerHost', () => {
  it('fires a six-field schedule and passes the timer and a named context', async () => {
    const seen: { timer: Timer; name: string }[] = [];
    const host = startTimerHost([
      timer(
        'everySecond',
        '* * * * * *',
        async (t, context) => void seen.push({ timer: t, name: context.functionName }),
      ),
    ]);
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await host.stop();
    expect(seen[0]!.name).toBe('everySecond');
    expect(seen[0]!.timer.isPastDue).toBe(false);
    expect(Date.parse(seen[1]!.timer.scheduleStatus.next)).toBeGreaterThan(
      Date.parse(seen[1]!.timer.scheduleStatus.lastUpdated),
    );
  });

  it('never overlaps runs of one timer, and keeps firing after a failed run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const host = startTimerHost([
      timer('slow', '* * * * * *', async () => {
        runs += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        active -= 1;
        if (runs === 1) throw new Error('first run fails');
      }),
    ]);
    await expect.poll(() => runs, { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
    await host.stop();
    expect(maxActive).toBe(1);
  });

  it('keeps firing a timer whose run threw before it returned a promise, and logs the failure', async () => {
    let runs = 0;
    const errors: string[] = [];
    const host = startTimerHost(
      [
        timer('throwsAtOnce', '* * * * * *', () => {
          runs += 1;
          throw new Error('thrown before any promise');
        }),
      ],
      { log: (level, _source, message) => void (level === 'error' && errors.push(message)) },
    );
    // Without care, the first failure leaves the timer marked as running: it never fires again.
    await expect.poll(() => runs, { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
    await host.stop();
    expect(errors[0]).toMatch(/Timer run failed; the next tick runs it again: thrown before any promise/);
  });

  it('stop waits for a run in progress', async () => {
    let finished = false;
    let started = false;
    const host = startTimerHost([
      timer('inProgress', '* * * * * *', async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      }),
    ]);
    await expect.poll(() => started, { timeout: 5_000 }).toBe(true);
    await host.stop();
    expect(finished).toBe(true);
  });
});

describe('resolveSchedule', () => {
  it('reads %SETTING% expressions, and names a missing setting', () => {
    expect(resolveSchedule('%SCHEDULE%', { SCHEDULE: '0 */5 * * * *' })).toBe('0 */5 * * * *');
    expect(() => resolveSchedule('%MISSING%', {})).toThrow('MISSING');
  });
});
