/**
 * The synthetic fleet: N page-blob disks in the primary region's account, one tenant with enough
 * licences, an hourly policy, and the devices registered through the product's own import.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { mapConcurrently } from '../src/app/mapConcurrently';
import type { ImportRow } from '../src/app/DeviceService';
import { services } from '../src/compositionRoot';
import { defaultRetention } from '../src/domain/retention';
import { LocalRegions } from '../src/local/localSettings';

export const diskContainer = 'disks';
export const policyId = 'hourly';

/** Import requests take at most this many rows (the HTTP route's limit). */
const importChunk = 10_000;

/** How far the set-up got: disks written, devices imported (in whole import requests). */
export interface FleetProgress {
  disks: number;
  imported: number;
}

/** The set-up ran out of time. */
export class SetupTimeoutError extends Error {
  constructor(
    readonly progress: FleetProgress,
    readonly devices: number,
    readonly elapsedMs: number,
  ) {
    super(
      `The fleet set-up did not finish within ${(elapsedMs / 1000).toFixed(1)} s: ` +
        `${progress.disks} of ${devices} disks written, ${progress.imported} devices imported`,
    );
  }
}

/** `work`, or a rejection with `onTimeout()` after `ms`; work still running then is left to fail on its own. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function deviceIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(6, '0')}`);
}

/** A page blob of `sizeBytes` per device, every page written with random bytes. */
export async function createDisks(
  primary: BlobServiceClient,
  ids: readonly string[],
  sizeBytes: number,
  concurrency: number,
  progress: FleetProgress = { disks: 0, imported: 0 },
): Promise<void> {
  const container = primary.getContainerClient(diskContainer);
  await container.createIfNotExists();
  await mapConcurrently(ids, concurrency, async (id) => {
    const disk = container.getPageBlobClient(`${id}.vhd`);
    await disk.create(sizeBytes);
    await disk.uploadPages(randomBytes(sizeBytes), 0, sizeBytes);
    progress.disks += 1;
  });
}

/**
 * The tenant (licences for the whole fleet, the disk container as its disk scope: each run has a
 * database of its own) and its hourly policy with the backup region.
 */
export async function createTenant(tenantId: string, devices: number): Promise<void> {
  const { tenants, policies } = services();
  await tenants.putEntitlement(tenantId, {
    name: 'Benchmark',
    licences: devices,
    allowedBackupRegions: [LocalRegions.backup],
    diskScopes: [{ kind: 'pageBlob', region: LocalRegions.primary, container: diskContainer }],
  });
  await policies.put(tenantId, policyId, {
    name: 'Hourly',
    backupRegion: LocalRegions.backup,
    rpoHours: 1,
    retention: defaultRetention,
    enabled: true,
  });
}

/** Registers every device through `DeviceService.import`, in requests of at most 10,000 rows. */
export async function importDevices(
  tenantId: string,
  ids: readonly string[],
  progress: FleetProgress = { disks: 0, imported: 0 },
): Promise<void> {
  for (let start = 0; start < ids.length; start += importChunk) {
    const rows: ImportRow[] = ids.slice(start, start + importChunk).map((id, index) => ({
      index,
      id,
      input: {
        upn: `${id}@bench.test`,
        primaryRegion: LocalRegions.primary,
        disk: { kind: 'pageBlob', container: diskContainer, blob: `${id}.vhd` },
        policyId,
        priorityTier: (index % 3) + 1,
      },
    }));
    const results = await services().devices.import(tenantId, rows);
    const failed = results.find((r) => r.outcome !== 'created' || r.licensed !== true);
    if (failed) throw new Error(`Importing device ${failed.id} failed: ${JSON.stringify(failed)}`);
    progress.imported += rows.length;
  }
}
