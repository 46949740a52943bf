/**
 * The orchestration client a function uses: the embedded runtime's driver when one is installed,
 * else the Durable client binding the function declared (`extraInputs: [df.input.durableClient()]`).
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { DurableOrchestrationClient } from '../adapters/durable/DurableOrchestrationClient';
import type { OrchestrationClient } from '../ports/OrchestrationClient';

let embedded: OrchestrationClient | undefined;

/** The embedded runtime installs its driver here; `undefined` removes it again. */
export function installOrchestrationClient(client: OrchestrationClient | undefined): void {
  embedded = client;
}

export function orchestrationClient(context: InvocationContext): OrchestrationClient {
  return embedded ?? new DurableOrchestrationClient(df.getClient(context));
}

/** The binding a function needs to reach the Durable client in Azure. */
export const durableClientInput = df.input.durableClient();
