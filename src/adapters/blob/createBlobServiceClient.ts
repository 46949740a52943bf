import { BlobServiceClient } from '@azure/storage-blob';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';

export function createBlobServiceClient(connection: Connection): BlobServiceClient {
  return connection.kind === 'identity'
    ? new BlobServiceClient(connection.endpoint, getCredential(connection.clientId))
    : BlobServiceClient.fromConnectionString(connection.connectionString);
}
