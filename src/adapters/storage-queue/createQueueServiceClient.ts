import { QueueServiceClient } from '@azure/storage-queue';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';

export function createQueueServiceClient(connection: Connection): QueueServiceClient {
  return connection.kind === 'identity'
    ? new QueueServiceClient(connection.endpoint, getCredential(connection.clientId))
    : QueueServiceClient.fromConnectionString(connection.connectionString);
}
