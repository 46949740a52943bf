/**
 * Every function the app defines, recorded once. The Functions host learns of them through the
 * `app.*` registrations the define helpers make; the embedded runtime reads this registry.
 */
import type { HttpHandler, InvocationContext, Timer } from '@azure/functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';
import type { HttpRouteSpec } from '../http/routeSpec';

export interface HttpFunction {
  kind: 'http';
  name: string;
  spec: HttpRouteSpec<never, never, never>;
  handler: HttpHandler;
}

export interface TimerFunction {
  kind: 'timer';
  name: string;
  /** Six-field NCRONTAB, or a `%SETTING%` expression naming the setting that holds one. */
  schedule: string;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export interface QueueFunction {
  kind: 'queue';
  name: string;
  queueName: string;
  handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export interface OrchestrationFunction {
  kind: 'orchestration';
  name: string;
  orchestrator: OrchestrationHandler;
}

export interface ActivityFunction {
  kind: 'activity';
  name: string;
  handler: ActivityHandler;
}

export type FunctionDefinition =
  HttpFunction | TimerFunction | QueueFunction | OrchestrationFunction | ActivityFunction;

const definitions = new Map<string, FunctionDefinition>();

export function register(definition: FunctionDefinition): void {
  if (definitions.has(definition.name)) {
    throw new TypeError(`A function named "${definition.name}" is already defined`);
  }
  definitions.set(definition.name, definition);
}

export function registeredFunctions(): FunctionDefinition[] {
  return [...definitions.values()];
}

export function httpFunctions(): HttpFunction[] {
  return registeredFunctions().filter((f): f is HttpFunction => f.kind === 'http');
}
