import type { BlobServiceClient } from '@azure/storage-blob';

/** Region name → that region's blob service: disks in primary regions, restore points in backup regions. */
export type RegionClients = ReadonlyMap<string, BlobServiceClient>;

/** The region's client; a region without storage is a caller's mistake, not an outage. */
export function regionClient(clients: RegionClients, region: string): BlobServiceClient {
  const client = clients.get(region);
  if (!client) throw new TypeError(`No blob storage is configured for region "${region}"`);
  return client;
}
