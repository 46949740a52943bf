/**
 * The Cosmos containers the app uses, the partition key each assumes and the indexing policy its
 * queries need. Infrastructure (infra/modules/cosmos.bicep) and the embedded emulator's set-up
 * (./ensureCosmosSchema) are both derived from these; test/adapters/cosmos/queryShape.test.ts
 * checks that the two agree and that the timers' queries use only what is indexed here.
 */
import type { IndexingPolicy } from '@azure/cosmos';

export interface ContainerSpec {
  id: string;
  partitionKeyPath: string;
}

export const Containers = {
  tenants: { id: 'tenants', partitionKeyPath: '/id' },
  policies: { id: 'policies', partitionKeyPath: '/tenantId' },
  /** Devices with their tenant's licence counter and compliance histogram shards (one partition a tenant). */
  devices: { id: 'devices', partitionKeyPath: '/tenantId' },
  /** Disaster-recovery activations, partitioned by tenant. */
  activations: { id: 'activations', partitionKeyPath: '/tenantId' },
  /** Recovery tasks and their counter shards, partitioned by activation and shard so 50,000 tasks never share one logical partition. */
  recoveries: { id: 'recoveries', partitionKeyPath: '/partition' },
  /** CopyStart's slots: requests, the owner's lease and a signal, one partition per (subscription, target region) (./copySlotDocuments). */
  copySlots: { id: 'copySlots', partitionKeyPath: '/partition' },
} as const satisfies Record<string, ContainerSpec>;

export type ContainerId = (typeof Containers)[keyof typeof Containers]['id'];

export const allContainers: readonly ContainerSpec[] = Object.values(Containers);

export interface CompositePath {
  path: string;
  order: 'ascending' | 'descending';
}

/**
 * What a container indexes beyond Cosmos DB's default of every path (a range index on each):
 * - `excludedPaths`: maps that only take patch increments and are never queried (the compliance
 *   histogram buckets, the recovery counters), which are the hottest writes;
 * - `compositeIndexes`: one per query that filters on equality fields and then one range or
 *   ORDER BY, equality fields first, so the query reads only what it returns.
 */
export interface ContainerIndexing {
  excludedPaths: readonly string[];
  compositeIndexes: readonly (readonly CompositePath[])[];
}

const ascending = (...paths: string[]): CompositePath[] =>
  paths.map((path) => ({ path, order: 'ascending' }));

export const Indexing: Record<ContainerId, ContainerIndexing> = {
  tenants: { excludedPaths: [], compositeIndexes: [] },
  policies: { excludedPaths: [], compositeIndexes: [] },
  devices: {
    excludedPaths: ['/buckets/*'],
    // The queries are in ./deviceQueries.
    compositeIndexes: [
      // dueQuery: the restore-point timer.
      ascending('/type', '/scheduled', '/nextDueAtMs'),
      // transitionsQuery: the RPO announcements.
      ascending('/type', '/scheduled', '/announceAtMs'),
      // compactionQuery: the histogram compactor.
      ascending('/type', '/region', '/compactAtMs'),
      // waitingQuery: licences handed out oldest first.
      ascending('/type', '/licensed', '/createdAt'),
      // filterQuery sorted by last verified point: an ORDER BY of several fields has no other index.
      ascending('/type', '/lastVerifiedAtMs', '/id'),
      // regionCountQuery: the compliance summary's counts per primary region, from the index.
      ascending('/type', '/primaryRegion', '/policyId', '/licensed', '/lastVerifiedAtMs'),
    ],
  },
  activations: { excludedPaths: [], compositeIndexes: [] },
  recoveries: { excludedPaths: ['/counts/*'], compositeIndexes: [] },
  copySlots: {
    excludedPaths: [],
    // oldestWaitingQuery (./copySlotDocuments): a key's waiting copies, oldest first.
    compositeIndexes: [ascending('/type', '/state', '/requestedAtMs')],
  },
};

/**
 * Containers whose items may expire: Cosmos DB's time to live switched on (`-1`: no default, each
 * item says its own `ttl`). Released copy-slot requests go after a week.
 */
export const TimeToLive: Partial<Record<ContainerId, number>> = { copySlots: -1 };

/** The container's whole indexing policy, as Cosmos DB takes it and infra/ declares it. */
export function indexingPolicyOf(id: ContainerId): IndexingPolicy {
  const { excludedPaths, compositeIndexes } = Indexing[id];
  return {
    indexingMode: 'consistent',
    automatic: true,
    includedPaths: [{ path: '/*' }],
    excludedPaths: [{ path: '/"_etag"/?' }, ...excludedPaths.map((path) => ({ path }))],
    compositeIndexes: compositeIndexes.map((index) => index.map((p) => ({ ...p }))),
  };
}
