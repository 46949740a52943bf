import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient, newPipeline, type StoragePipelineOptions } from '@azure/storage-queue';
import type { Connection } from '../../config';
import type { DependencyGuard } from '../deadlines/DependencyGuards';
import { storageDeadlineFactory } from '../deadlines/storageDeadlinePolicies';
import { getCredential } from '../identity/credential';

/** The queue service; with a guard, its calls are bounded as `createBlobServiceClient`'s are. */
export function createQueueServiceClient(
  connection: Connection,
  options: StoragePipelineOptions = {},
  guard?: DependencyGuard,
): QueueServiceClient {
  if (!guard) {
    return connection.kind === 'identity'
      ? new QueueServiceClient(connection.endpoint, getCredential(connection.clientId), options)
      : QueueServiceClient.fromConnectionString(connection.connectionString, options);
  }
  // The SDK parses the connection string: the queue endpoint from the queue client, and the
  // account's credential (the same for every service of the account) from the blob client, which
  // exposes it (the queue client keeps it protected).
  const { url, credential } =
    connection.kind === 'identity'
      ? { url: connection.endpoint, credential: getCredential(connection.clientId) }
      : {
          url: QueueServiceClient.fromConnectionString(connection.connectionString).url,
          credential: BlobServiceClient.fromConnectionString(connection.connectionString).credential,
        };
  const pipeline = newPipeline(credential, options);
  pipeline.factories.push(storageDeadlineFactory(guard));
  return new QueueServiceClient(url, pipeline);
}
