/**
 * Fires the registered timer functions on their NCRONTAB schedules (six fields, UTC), as the
 * Functions host does: `%SETTING%` schedules read from settings, no overlapping runs of one timer,
 * and no retry of a failed run (the next tick is the retry).
 *
 * No overlap: croner's `protect` skips a tick while the previous run of the same timer is still in
 * progress (it awaits the run). A run that failed in any way, even by throwing before it returned a
 * promise, still ends, so a timer is never left blocked by its own failure.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { Cron } from 'croner';
import { randomUUID } from 'node:crypto';
import { ensureErrorType } from '../domain/errors';
import type { TimerFunction } from '../functions/registry';
import type { LogHandler } from './httpHost';

export interface TimerHost {
  stop(): Promise<void>;
}

export function resolveSchedule(schedule: string, env: Readonly<Record<string, string | undefined>>): string {
  return schedule.replace(/%([A-Za-z0-9_]+)%/g, (_, name: string) => {
    const value = env[name];
    if (!value) throw new TypeError(`Timer schedule ${schedule} names setting ${name}, which is not set`);
    return value;
  });
}

export function startTimerHost(
  functions: readonly TimerFunction[],
  options: { env?: Readonly<Record<string, string | undefined>>; log?: LogHandler } = {},
): TimerHost {
  const log = options.log ?? (() => undefined);
  const running = new Set<Promise<void>>();
  const jobs = functions.map((fn) => {
    const schedule = resolveSchedule(fn.schedule, options.env ?? process.env);
    const logFailure = (err: unknown): void =>
      log('error', fn.name, `Timer run failed; the next tick runs it again: ${ensureErrorType(err).message}`);
    let last: Date | undefined;
    const job = new Cron(schedule, { timezone: 'UTC', protect: true, catch: logFailure }, async () => {
      const now = new Date();
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: (last ?? now).toISOString(),
          next: job.nextRun()?.toISOString() ?? '',
          lastUpdated: now.toISOString(),
        },
      };
      last = now;
      const context = new InvocationContext({
        functionName: fn.name,
        invocationId: randomUUID(),
        logHandler: (level, ...args) => log(level, fn.name, args.map(String).join(' ')),
      });
      // Through a promise: a handler that throws before returning one fails this run only.
      const run = Promise.resolve()
        .then(() => fn.handler(timer, context))
        .catch(logFailure);
      running.add(run);
      await run;
      running.delete(run);
    });
    log(
      'information',
      fn.name,
      `Timer scheduled "${schedule}"; next run ${job.nextRun()?.toISOString() ?? 'never'}`,
    );
    return job;
  });
  return {
    async stop() {
      for (const job of jobs) job.stop();
      await Promise.all(running);
    },
  };
}
