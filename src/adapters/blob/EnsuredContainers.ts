import type { ContainerClient } from '@azure/storage-blob';
import { regionClient, type RegionClients } from './regionClient';

/** One named container in every region, created on first write there and remembered per process. */
export class EnsuredContainers {
  private readonly created = new Map<string, Promise<unknown>>();

  constructor(
    private readonly clients: RegionClients,
    readonly name: string,
  ) {}

  /** The container's client, whether or not it exists: reads treat a missing container as empty. */
  get(region: string): ContainerClient {
    return regionClient(this.clients, region).getContainerClient(this.name);
  }

  async ensure(region: string): Promise<ContainerClient> {
    const container = this.get(region);
    let created = this.created.get(region);
    if (!created) {
      created = container.createIfNotExists();
      this.created.set(region, created);
      // A failure is not remembered: the next write tries again.
      created.catch(() => this.created.delete(region));
    }
    await created;
    return container;
  }
}
