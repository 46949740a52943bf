import { app, type InvocationContext, type Timer } from '@azure/functions';
import { durableClientInput } from '../orchestrationClient';
import { register } from '../registry';

export interface TimerOptions {
  name: string;
  /** Six-field NCRONTAB, or `%SETTING%` to read it from a setting. */
  schedule: string;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
  /** The timer starts orchestrations: in Azure it needs the Durable client binding. */
  durableClient?: boolean;
}

/** Defines a timer once for both hosts. Timers are not retried after a failure, so handlers must be safe to run again on the next tick. */
export function defineTimer(options: TimerOptions): void {
  const { durableClient, ...definition } = options;
  register({ kind: 'timer', ...definition });
  app.timer(options.name, {
    schedule: options.schedule,
    handler: options.handler,
    ...(durableClient ? { extraInputs: [durableClientInput] } : {}),
  });
}
