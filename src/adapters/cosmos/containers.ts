/**
 * The Cosmos containers the app uses and the partition key each assumes. Infrastructure and the
 * embedded emulator's set-up are both derived from this list.
 */
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
} as const satisfies Record<string, ContainerSpec>;

export const allContainers: readonly ContainerSpec[] = Object.values(Containers);
