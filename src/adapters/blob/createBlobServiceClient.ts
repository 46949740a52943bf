import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { Connection } from '../../config';
import { getCredential } from '../identity/credential';

export function createBlobServiceClient(
  connection: Connection,
  options: StoragePipelineOptions = {},
): BlobServiceClient {
  return connection.kind === 'identity'
    ? new BlobServiceClient(connection.endpoint, getCredential(connection.clientId), options)
    : BlobServiceClient.fromConnectionString(connection.connectionString, options);
}
