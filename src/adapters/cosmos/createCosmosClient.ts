import { CosmosClient } from '@azure/cosmos';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';

/**
 * A Cosmos client for a connection: an identity in Azure, a key for the emulator. Endpoint
 * discovery is off for plain-HTTP endpoints (the embedded emulator has no regional endpoints).
 */
export function createCosmosClient(connection: Connection): CosmosClient {
  if (connection.kind === 'identity') {
    return new CosmosClient({
      endpoint: connection.endpoint,
      aadCredentials: getCredential(connection.clientId),
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
    connectionPolicy: { enableEndpointDiscovery: !endpoint.startsWith('http:') },
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
