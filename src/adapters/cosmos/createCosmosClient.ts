import { CosmosClient, type ConnectionPolicy, type CosmosClientOptions } from '@azure/cosmos';
import type { Connection } from '../../config';
import type { Budgets } from '../deadlines/budgets';
import { cosmosDeadlinePlugin } from '../deadlines/cosmosDeadlinePlugin';
import type { DependencyGuard } from '../deadlines/DependencyGuards';
import { getCredential } from '../identity/credential';

/**
 * A Cosmos client for a connection: an identity in Azure, a key for the emulator. Endpoint
 * discovery is off for plain-HTTP endpoints (the embedded emulator has no regional endpoints).
 * `preferredRegion` (the control plane's own region) is where reads and writes go while it is
 * available — active-active means each region writes locally; the SDK fails over by itself.
 *
 * With a guard, every network request the SDK makes is bounded and fails fast while the state
 * store's circuit is open (see `cosmosDeadlinePlugin`); `requestTimeout` and the throttling retries'
 * total wait are set above the worker budget, as a backstop should the plugin ever not run.
 */
export function createCosmosClient(
  connection: Connection,
  preferredRegion?: string,
  deadlines?: { guard: DependencyGuard; budgets: Budgets },
): CosmosClient {
  // The SDK compares region names without spaces and case: `westeurope` matches "West Europe".
  const preferredLocations = preferredRegion ? { preferredLocations: [preferredRegion] } : {};
  const bounded: { connectionPolicy: Partial<ConnectionPolicy>; extra: Partial<CosmosClientOptions> } =
    deadlines
      ? {
          connectionPolicy: {
            requestTimeout: deadlines.budgets.worker.write + 5_000,
            retryOptions: { maxWaitTimeInSeconds: Math.ceil(deadlines.budgets.worker.write / 1000) },
          },
          // `plugins` is missing from the declared options type (see cosmosDeadlinePlugin).
          extra: { plugins: [cosmosDeadlinePlugin(deadlines.guard)] } as Partial<CosmosClientOptions>,
        }
      : { connectionPolicy: {}, extra: {} };
  if (connection.kind === 'identity') {
    return new CosmosClient({
      endpoint: connection.endpoint,
      aadCredentials: getCredential(connection.clientId),
      connectionPolicy: { ...bounded.connectionPolicy, ...preferredLocations },
      ...bounded.extra,
    });
  }
  const parts = parseConnectionString(connection.connectionString);
  const endpoint = parts.get('accountendpoint');
  const key = parts.get('accountkey');
  if (!endpoint || !key)
    throw new TypeError('A Cosmos connection string needs AccountEndpoint and AccountKey');
  return new CosmosClient({
    endpoint,
    key,
    connectionPolicy: {
      ...bounded.connectionPolicy,
      enableEndpointDiscovery: !endpoint.startsWith('http:'),
      ...preferredLocations,
    },
    ...bounded.extra,
  });
}

function parseConnectionString(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}
