import * as df from 'durable-functions';
import type { OrchestrationHandler } from 'durable-functions';
import { register } from '../registry';

/** Defines an orchestrator once: Durable Functions in Azure, the in-process driver locally. */
export function defineOrchestration(name: string, orchestrator: OrchestrationHandler): void {
  register({ kind: 'orchestration', name, orchestrator });
  df.app.orchestration(name, orchestrator);
}
