import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import type { LogHandler } from '../httpHost';
import type { TaskHub } from './openTaskHub';

/** What the driver's turn and activity runners share. */
export interface DriverContext {
  hub: TaskHub;
  orchestrations: ReadonlyMap<string, OrchestrationHandler>;
  activities: ReadonlyMap<string, ActivityHandler>;
  log: LogHandler;
  /** A message delivered more often than this is given up on (dead-lettered, as Service Bus would). */
  maxDeliveries: number;
}
