import { BlobServiceClient, newPipeline, type StoragePipelineOptions } from '@azure/storage-blob';
import type { Connection } from '../../config';
import type { DependencyGuard } from '../deadlines/DependencyGuards';
import { storageDeadlineFactory } from '../deadlines/storageDeadlinePolicies';
import { getCredential } from '../identity/credential';

/**
 * A region's blob service. With a guard, every call made through it (and through the container and
 * blob clients it hands out, which share its pipeline) is bounded and fails fast while the region's
 * circuit is open; see `storageDeadlinePolicies`.
 */
export function createBlobServiceClient(
  connection: Connection,
  options: StoragePipelineOptions = {},
  guard?: DependencyGuard,
): BlobServiceClient {
  if (!guard) {
    return connection.kind === 'identity'
      ? new BlobServiceClient(connection.endpoint, getCredential(connection.clientId), options)
      : BlobServiceClient.fromConnectionString(connection.connectionString, options);
  }
  // A connection string is parsed by the SDK itself: its URL and shared-key credential are reused.
  const { url, credential } =
    connection.kind === 'identity'
      ? { url: connection.endpoint, credential: getCredential(connection.clientId) }
      : BlobServiceClient.fromConnectionString(connection.connectionString);
  const pipeline = newPipeline(credential, options);
  pipeline.factories.push(storageDeadlineFactory(guard));
  return new BlobServiceClient(url, pipeline);
}
