import * as df from 'durable-functions';
import type { ActivityHandler } from 'durable-functions';
import { register } from '../registry';

/** Defines an activity once for both hosts. Activities may run more than once: keep them idempotent. */
export function defineActivity(name: string, handler: ActivityHandler): void {
  register({ kind: 'activity', name, handler });
  df.app.activity(name, { handler });
}
