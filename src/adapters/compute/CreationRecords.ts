/**
 * The simulated compute's record of creations: a marker blob `creations/{name}/{creation id}` in
 * each region's records container for every creation that won, so tests and the benchmark can count
 * creations across processes and restarts, from storage alone.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { listIfExists } from '../blob/blobIfExists';
import { EnsuredContainers } from '../blob/EnsuredContainers';
import type { RegionClients } from '../blob/regionClient';
import { isAlreadyExists } from '../blob/storageErrors';
import { DeviceMetadata } from './simulatedDevice';

/** Where the creation markers live in the records container: `creations/{name}/{creation id}`. */
const creationsPrefix = 'creations/';

export class CreationRecords {
  private readonly records: EnsuredContainers;

  constructor(clients: RegionClients, containerName: string) {
    this.records = new EnsuredContainers(clients, containerName);
  }

  /** Writes the creation's marker; idempotent, so writing it again for the same creation is harmless. */
  async record(
    region: string,
    name: string,
    metadata: Readonly<Record<string, string>> | undefined,
  ): Promise<void> {
    const creationId = metadata?.[DeviceMetadata.creationId];
    if (!creationId) return;
    const container = await this.records.ensure(region);
    try {
      await container
        .getBlockBlobClient(`${creationsPrefix}${name}/${creationId}`)
        .upload('', 0, { conditions: { ifNoneMatch: '*' } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /**
   * How many times each name was created in the region: the markers, together with the creation
   * ids of the devices that exist now in `devices` (whose marker a killed process may not have
   * written).
   */
  async count(region: string, devices: ContainerClient): Promise<Map<string, number>> {
    const ids = new Map<string, Set<string>>();
    const add = (name: string, id: string) => {
      let set = ids.get(name);
      if (!set) ids.set(name, (set = new Set()));
      set.add(id);
    };
    for await (const item of listIfExists(this.records.get(region), { prefix: creationsPrefix })) {
      const rest = item.name.slice(creationsPrefix.length);
      const slash = rest.lastIndexOf('/');
      if (slash > 0) add(rest.slice(0, slash), rest.slice(slash + 1));
    }
    for await (const item of listIfExists(devices, { includeMetadata: true })) {
      const id = item.metadata?.[DeviceMetadata.creationId];
      if (id) add(item.name, id);
    }
    return new Map([...ids].map(([name, set]) => [name, set.size]));
  }
}
