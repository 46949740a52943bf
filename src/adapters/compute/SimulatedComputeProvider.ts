/**
 * Azure compute stood in for by the backup region's own storage: a temporary device is a page blob
 * `{name}` in that region's `temporary-devices` container, holding a real server-side copy of the
 * restore point, with everything else about it (tags, times, its simulated fate) in its metadata.
 *
 * Nothing is kept in memory: several control-plane processes share one provider's state, and a
 * process may be killed at any moment. A creation is a Copy Blob under `If-None-Match: *`, so of
 * any number of concurrent creations of one name exactly one wins; the others find the winner's
 * device. Every creation that won is also recorded as a marker blob
 * `creations/{name}/{creation id}` in the region's `simulated-compute` container, so tests and the
 * benchmark can count creations across processes and restarts.
 *
 * What is simulated, and how far:
 * - Provisioning is time alone: the device is `provisioning` until `readyAt` (its creation time plus
 *   the region's `provisioningMs`), or while the copy itself is pending (Azure may take a while;
 *   Azurite copies within an instance at once).
 * - Failure is decided once, at creation (`random() < failureRate`), and shows when provisioning
 *   ends; ensuring a failed device deletes it and creates it again, as a new creation.
 * - Capacity is the number of devices in the region's container, counted by listing it before a
 *   creation (only when a capacity is configured). Two creations of different names at the same
 *   moment can both pass the count and exceed the capacity by one each: a check-then-act race this
 *   simulation accepts. The count includes failed devices not yet deleted, as quota would.
 * - Quota (`quota-exceeded`) is not simulated.
 *
 * What a device's blob says about it is `simulatedDevice`; the creation markers are `CreationRecords`.
 */
import type {
  BlobGetPropertiesResponse,
  BlobServiceClient,
  CopyStatusType,
  PageBlobClient,
} from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import {
  CapacityUnavailableError,
  type ComputeProvider,
  type TemporaryDevice,
  type TemporaryDeviceRequest,
  type TemporaryDeviceState,
} from '../../ports/ComputeProvider';
import { abortPendingCopy } from '../blob/abortPendingCopy';
import { listIfExists, propertiesIfExists } from '../blob/blobIfExists';
import { EnsuredContainers } from '../blob/EnsuredContainers';
import { regionClient } from '../blob/regionClient';
import {
  errorCodeOf,
  firstLine,
  isAlreadyExists,
  isNotFound,
  isPreconditionFailed,
} from '../blob/storageErrors';
import { CreationRecords } from './CreationRecords';
import { simulatedRegionSettings, type SimulatedRegionSettings } from './simulatedComputeOptions';
import { checkName, newDeviceMetadata, stateOf, toDevice } from './simulatedDevice';

/** Part of the devices' storage format, which the benchmark's floor writes directly. */
export { DeviceMetadata } from './simulatedDevice';

export const temporaryDevicesContainerName = 'temporary-devices';
export const simulatedComputeContainerName = 'simulated-compute';

export interface SimulatedComputeOptions {
  /** Per region; a region not named has unlimited capacity, is ready at once and never fails. */
  regions?: Record<string, SimulatedRegionSettings>;
  /** Decides failures (`random() < failureRate`); called only in regions with a failure rate above 0. */
  random?: () => number;
  now?: () => Date;
  /** Container of the devices in each region; `temporary-devices` by default. */
  containerName?: string;
  /** Container of the creation markers in each region; `simulated-compute` by default. */
  recordsContainerName?: string;
}

/** Rounds of read-then-act before giving up: each lost round means another caller acted meanwhile. */
const maxRounds = 5;

export class SimulatedComputeProvider implements ComputeProvider {
  private readonly devices: EnsuredContainers;
  private readonly records: CreationRecords;
  private readonly regions: ReadonlyMap<string, SimulatedRegionSettings>;
  private readonly random: () => number;
  private readonly now: () => Date;

  /** `clients` maps each region to its storage, where that region's devices live. */
  constructor(
    private readonly clients: ReadonlyMap<string, BlobServiceClient>,
    options: SimulatedComputeOptions = {},
  ) {
    this.devices = new EnsuredContainers(clients, options.containerName ?? temporaryDevicesContainerName);
    this.records = new CreationRecords(
      clients,
      options.recordsContainerName ?? simulatedComputeContainerName,
    );
    // Validated here, so a wrong setting fails at start-up and not on the first recovery.
    this.regions = new Map(
      Object.entries(options.regions ?? {}).map(([region, settings]) => [
        region,
        simulatedRegionSettings.parse(settings),
      ]),
    );
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  async ensureTemporaryDevice(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState> {
    checkName(request.name);
    regionClient(this.clients, request.region);
    let lostRace = false;
    for (let round = 0; round < maxRounds; round++) {
      const existing = await this.read(request.region, request.name);
      if (existing) {
        const state = stateOf(existing, this.now());
        // A device another caller just created is reported as it is, even failed: starting it over
        // is for the next ensure, not for the loser of the race that created it.
        if (state.state !== 'failed' || lostRace) return state;
        await this.records.record(request.region, request.name, existing.metadata);
        if (!(await this.deleteIfUnchanged(request.region, request.name, existing))) {
          // Another caller is starting it over: its new device is reported, not started over again.
          lostRace = true;
          continue;
        }
      }
      await this.checkCapacity(request.region);
      const created = await this.create(request);
      if (created) return created;
      lostRace = true;
    }
    throw new Error(
      `Temporary device ${request.name} in ${request.region} kept changing while being ensured; retry`,
    );
  }

  async getTemporaryDevice(region: string, name: string): Promise<TemporaryDevice | undefined> {
    checkName(name);
    const read = await this.read(region, name);
    return read ? toDevice(region, name, read, this.now()) : undefined;
  }

  /**
   * Records the device's creation if that was never done (a process killed right after creating
   * it), then deletes it; a copy still running into it (Azure) is aborted first, since the service
   * refuses to delete a blob with a pending copy.
   */
  async deleteTemporaryDevice(region: string, name: string): Promise<void> {
    checkName(name);
    for (let round = 0; round < maxRounds; round++) {
      const existing = await this.read(region, name);
      if (!existing) return;
      await this.records.record(region, name, existing.metadata);
      if (await abortPendingCopy(this.blob(region, name), existing)) continue;
      // Conditional: a device recreated in between is read (and its creation recorded) before it goes.
      if (await this.deleteIfUnchanged(region, name, existing)) return;
    }
    throw new Error(`Temporary device ${name} in ${region} kept changing while being deleted; retry`);
  }

  /** No container yet lists nothing: no device was ever created in this region. */
  async *listTemporaryDevices(region: string): AsyncIterable<TemporaryDevice> {
    const now = this.now();
    const listing = listIfExists(this.devices.get(region), { includeMetadata: true, includeCopy: true });
    for await (const item of listing) {
      yield toDevice(
        region,
        item.name,
        {
          metadata: item.metadata,
          copyStatus: item.properties.copyStatus,
          copyStatusDescription: item.properties.copyStatusDescription,
        },
        now,
      );
    }
  }

  /**
   * How many times each name was actually created in the region: a creation that lost the race to
   * another counts nothing. Read from storage alone, so it spans processes and restarts.
   */
  async creations(region: string): Promise<Map<string, number>> {
    return await this.records.count(region, this.devices.get(region));
  }

  private settings(region: string): SimulatedRegionSettings {
    return this.regions.get(region) ?? {};
  }

  private blob(region: string, name: string): PageBlobClient {
    return this.devices.get(region).getPageBlobClient(name);
  }

  private async read(region: string, name: string): Promise<BlobGetPropertiesResponse | undefined> {
    return await propertiesIfExists(this.blob(region, name));
  }

  /** False when the device changed or went away since it was read: the caller reads it again. */
  private async deleteIfUnchanged(
    region: string,
    name: string,
    read: BlobGetPropertiesResponse,
  ): Promise<boolean> {
    try {
      await this.blob(region, name).delete({
        deleteSnapshots: 'include',
        conditions: { ifMatch: read.etag },
      });
      return true;
    } catch (err) {
      if (isNotFound(err) || isPreconditionFailed(err)) return false;
      throw err;
    }
  }

  /** Only with a capacity configured is the region's container listed; see the race in the header. */
  private async checkCapacity(region: string): Promise<void> {
    const { capacity } = this.settings(region);
    if (capacity === undefined) return;
    let count = 0;
    if (capacity > 0) {
      for await (const _item of listIfExists(this.devices.get(region))) {
        if (++count >= capacity) break;
      }
    }
    if (count >= capacity) {
      throw new CapacityUnavailableError(
        'no-capacity',
        `Region ${region} has no capacity for another temporary device: it holds its simulated capacity of ${capacity}`,
      );
    }
  }

  /**
   * One attempt at creating the device: its state, or undefined when another caller created it
   * first. The fate (when it is ready, whether it fails) is decided here, once, and written with it.
   */
  private async create(request: TemporaryDeviceRequest): Promise<TemporaryDeviceState | undefined> {
    const { provisioningMs = 0, failureRate = 0 } = this.settings(request.region);
    const createdAt = this.now();
    const fails = failureRate > 0 && this.random() < failureRate;
    const metadata = newDeviceMetadata(request, {
      createdAt,
      readyAt: new Date(createdAt.getTime() + provisioningMs),
      ...(fails
        ? {
            failureReason: `simulated provisioning failure (failure rate ${failureRate} in ${request.region})`,
          }
        : {}),
      creationId: `${createdAt.getTime()}-${randomUUID()}`,
    });
    if (request.image.kind !== 'blobUrl')
      throw new Error(`The simulated provider copies page blobs only, not ${request.image.kind}`);
    const sourceUrl = request.image.url;
    const container = await this.devices.ensure(request.region);
    let copyStatus: CopyStatusType | undefined;
    try {
      const poller = await container.getPageBlobClient(request.name).beginCopyFromURL(sourceUrl, {
        metadata,
        conditions: { ifNoneMatch: '*' },
      });
      // Only the start is awaited: the service may finish the copy at once (Azurite) or not (Azure).
      copyStatus = poller.getOperationState().result?.copyStatus;
    } catch (err) {
      if (isAlreadyExists(err) || errorCodeOf(err) === 'PendingCopyOperation') return undefined;
      if (isNotFound(err)) {
        throw new Error(
          `The restore point to create temporary device ${request.name} from cannot be read: ${firstLine(err)}`,
          { cause: err },
        );
      }
      throw err;
    }
    await this.records.record(request.region, request.name, metadata);
    return stateOf({ metadata, copyStatus }, this.now());
  }
}
