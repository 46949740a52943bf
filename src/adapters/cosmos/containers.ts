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
} as const satisfies Record<string, ContainerSpec>;

export const allContainers: readonly ContainerSpec[] = Object.values(Containers);
