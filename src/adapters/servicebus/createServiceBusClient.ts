import { ServiceBusClient } from '@azure/service-bus';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';

export function createServiceBusClient(connection: Connection): ServiceBusClient {
  return connection.kind === 'identity'
    ? new ServiceBusClient(connection.endpoint, getCredential(connection.clientId))
    : new ServiceBusClient(connection.connectionString);
}
