/**
 * Fires one registered timer function every `periodMs` real ms, no run overlapping the last, as
 * the Functions host fires it on its schedule: the embedded timer host reads NCRONTAB, whose
 * seconds cannot express a period shortened by the ARM double's time scale.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureErrorType } from '../src/domain/errors';
import { registeredFunctions, type TimerFunction } from '../src/functions/registry';

export interface ScaledTimer {
  runs: number;
  failures: number;
  firstFailure: string | undefined;
  stop(): Promise<void>;
}

export function startScaledTimer(name: string, periodMs: number): ScaledTimer {
  const fn = registeredFunctions().find((f): f is TimerFunction => f.kind === 'timer' && f.name === name);
  if (!fn) throw new Error(`The ${name} timer is not registered`);
  let stopped = false;
  const state: ScaledTimer = {
    runs: 0,
    failures: 0,
    firstFailure: undefined,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
  const loop = (async () => {
    while (!stopped) {
      const now = new Date().toISOString();
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: now, next: now, lastUpdated: now },
      };
      try {
        await fn.handler(
          timer,
          new InvocationContext({
            functionName: name,
            invocationId: randomUUID(),
            logHandler: () => undefined,
          }),
        );
        state.runs += 1;
      } catch (err) {
        // As the host does: the next tick is the retry.
        state.failures += 1;
        state.firstFailure ??= ensureErrorType(err).message;
      }
      await sleep(periodMs);
    }
  })();
  return state;
}
