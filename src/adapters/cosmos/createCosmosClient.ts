import { CosmosClient } from '@azure/cosmos';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';

/**
 * A Cosmos client for a connection: an identity in Azure, a key for the emulator. Endpoint
 * discovery is off for plain-HTTP endpoints (the embedded emulator has no regional endpoints).
 * `preferredRegion` (the control plane's own region) is where reads and writes go while it is
 * available — active-active means each region writes locally; the SDK fails over by itself.
 */
export function createCosmosClient(connection: Connection, preferredRegion?: string): CosmosClient {
  // The SDK compares region names without spaces and case: `westeurope` matches "West Europe".
  const preferredLocations = preferredRegion ? { preferredLocations: [preferredRegion] } : {};
  if (connection.kind === 'identity') {
    return new CosmosClient({
      endpoint: connection.endpoint,
      aadCredentials: getCredential(connection.clientId),
      connectionPolicy: { ...preferredLocations },
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
    connectionPolicy: { enableEndpointDiscovery: !endpoint.startsWith('http:'), ...preferredLocations },
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
