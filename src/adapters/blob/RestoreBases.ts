/**
 * The incremental store's base blobs: one page blob per device in each backup region, named
 * `{tenantId}/{deviceId}`, carrying its apply state (`incrementalBaseState`) in its metadata. Every
 * write is conditional on the ETag last read, so two callers never interleave: the loser gets
 * `BaseChanged` and stops, leaving the work to the winner.
 */
import type { BlobGetPropertiesResponse, ContainerClient, PageBlobClient } from '@azure/storage-blob';
import { propertiesIfExists } from './blobIfExists';
import { EnsuredContainers } from './EnsuredContainers';
import { baseMetadata, readBaseState, type BaseState } from './incrementalBaseState';
import type { RegionClients } from './regionClient';
import { deviceBlobName } from './restorePointName';
import { isAlreadyExists, isPreconditionFailed } from './storageErrors';

export interface BaseBlob {
  client: PageBlobClient;
  etag: string;
  sizeBytes: number;
  state: BaseState;
}

/** Whose base blob: device ids are unique within a tenant only, so both name it. */
export interface BaseOwner {
  tenantId: string;
  deviceId: string;
}

/** Another caller changed the base since this one read it: it carries the work on, this one stops. */
export class BaseChanged extends Error {}

export class RestoreBases {
  private readonly containers: EnsuredContainers;

  constructor(clients: RegionClients, containerName: string) {
    this.containers = new EnsuredContainers(clients, containerName);
  }

  get name(): string {
    return this.containers.name;
  }

  container(region: string): ContainerClient {
    return this.containers.get(region);
  }

  client(region: string, owner: BaseOwner): PageBlobClient {
    return this.container(region).getPageBlobClient(deviceBlobName(owner.tenantId, owner.deviceId));
  }

  async read(region: string, owner: BaseOwner): Promise<BaseBlob | undefined> {
    const client = this.client(region, owner);
    const properties = await propertiesIfExists(client);
    return properties ? toBaseBlob(client, properties) : undefined;
  }

  /** The base blob, created empty (all pages clear) on the device's first point. */
  async open(region: string, owner: BaseOwner, sizeBytes: number): Promise<BaseBlob> {
    const existing = await this.read(region, owner);
    if (existing) return existing;
    const container = await this.containers.ensure(region);
    const client = container.getPageBlobClient(deviceBlobName(owner.tenantId, owner.deviceId));
    try {
      await client.create(sizeBytes, {
        metadata: baseMetadata(owner, {}),
        conditions: { ifNoneMatch: '*' },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const created = await this.read(region, owner);
    if (!created)
      throw new Error(`The base of device ${owner.deviceId} in ${region} vanished right after its creation`);
    return created;
  }

  async save(base: BaseBlob, owner: BaseOwner, state: BaseState): Promise<BaseBlob> {
    const response = await conditional(() =>
      base.client.setMetadata(baseMetadata(owner, state), { conditions: { ifMatch: base.etag } }),
    );
    return { ...base, etag: etagOf(response), state };
  }

  /** The base snapshot taken for `point`, found by the metadata it was taken with. */
  async findSnapshot(region: string, owner: BaseOwner, point: string): Promise<string | undefined> {
    const name = deviceBlobName(owner.tenantId, owner.deviceId);
    const listing = this.container(region).listBlobsFlat({
      prefix: name,
      includeSnapshots: true,
      includeMetadata: true,
    });
    for await (const item of listing) {
      if (item.name === name && item.snapshot && item.metadata?.point === point) return item.snapshot;
    }
    return undefined;
  }

  /**
   * Forgets an apply or a completed point that is being removed. Removing a point still being
   * applied, or one never verified, marks the base stale: its content is suspect, so the next point
   * is a full sync.
   */
  async forget(region: string, owner: BaseOwner, name: string, verified: boolean): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const base = await this.read(region, owner);
      if (!base) return;
      const { pending, last, ...rest } = base.state;
      const isPending = pending?.point === name;
      const isLast = last?.point === name;
      if (!isPending && !isLast) return;
      const state: BaseState = {
        ...rest,
        ...(pending && !isPending ? { pending } : {}),
        ...(last && !isLast ? { last } : {}),
        ...(isPending || (isLast && !verified) ? { stale: true } : {}),
      };
      try {
        await this.save(base, owner, state);
        return;
      } catch (err) {
        if (!(err instanceof BaseChanged)) throw err;
      }
    }
    throw new Error(
      `The base of device ${owner.deviceId} in ${region} kept changing while removing ${name}; retry`,
    );
  }
}

function toBaseBlob(client: PageBlobClient, properties: BlobGetPropertiesResponse): BaseBlob {
  return {
    client,
    etag: etagOf(properties),
    sizeBytes: properties.contentLength ?? 0,
    state: readBaseState(properties.metadata),
  };
}

export function etagOf(response: { etag?: string }): string {
  if (!response.etag) throw new Error('The storage service returned no ETag');
  return response.etag;
}

/** Runs a write conditional on the base's ETag; a failed condition means another caller moved on. */
export async function conditional<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isPreconditionFailed(err)) throw new BaseChanged('the base blob changed');
    throw err;
  }
}
