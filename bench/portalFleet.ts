/**
 * A tenant's fleet for the portal's benchmark and browser tests, written straight into Cosmos DB in
 * transactional batches — 50,000 devices in a minute or two, where registering them through the
 * import needs a disk each first. Every document is the one the product would hold: the device
 * through the app's own mapper (`toDocument`) from a device shaped as `DeviceService` registers it
 * and `CosmosComplianceIndex.recordVerified` records its last point, the histogram shards as the
 * registry's and the index's increments leave them (`DevicePartition.histogramId`, `keyOf`), and
 * the licence counter. The tenant and its policies go through the product's services.
 *
 * Statuses are mixed (protected, at risk, breached, never protected, unlicensed) and each device's
 * announced status is its status now, as the compliance timer leaves it, and its next slot is
 * ahead: nothing is due, so the timers of a running control plane find no work in it.
 */
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import { createCosmosClient } from '../src/adapters/cosmos/createCosmosClient';
import { Containers } from '../src/adapters/cosmos/containers';
import { DevicePartition } from '../src/adapters/cosmos/DevicePartition';
import {
  keyOf,
  licenceCounterId,
  toDocument,
  type HistogramDocument,
} from '../src/adapters/cosmos/deviceDocument';
import { mapConcurrently } from '../src/app/mapConcurrently';
import { services } from '../src/compositionRoot';
import type { AnnouncedCompliance, Device } from '../src/domain/device';
import { restorePointName } from '../src/domain/restorePoint';
import { defaultRetention } from '../src/domain/retention';
import { nextSlotStart, rpoMs, type ComplianceStatus, type RpoHours } from '../src/domain/rpo';
import { LocalRegions } from '../src/local/localSettings';

export const portalDiskContainer = 'disks';

/** The fleet's policies: most devices on the standard one, one in five on the critical one. */
export const portalPolicies = [
  { id: 'standard', name: 'Standard', rpoHours: 4 },
  { id: 'critical', name: 'Critical', rpoHours: 1 },
] as const satisfies readonly { id: string; name: string; rpoHours: RpoHours }[];

/** Out of every 20 devices: 13 protected, 2 at risk, 2 breached, 2 never protected, 1 unlicensed. */
const statusCycle: readonly ComplianceStatus[] = [
  ...Array<ComplianceStatus>(13).fill('protected'),
  'at-risk',
  'at-risk',
  'breached',
  'breached',
  'not-yet-protected',
  'not-yet-protected',
  'unlicensed',
];

/** Operations per transactional batch: Cosmos DB's limit. */
const batchSize = 100;
const hourMs = 3_600_000;

export interface PortalFleetOptions {
  tenantId: string;
  devices: number;
  now: Date;
  /** Batches in flight at once (default 4: the emulator is one process on a shared machine). */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface PortalFleet {
  ids: string[];
  /** Devices per status, as the seed meant them (the API's counts must agree). */
  byStatus: Record<ComplianceStatus, number>;
  /** Wall time of the Cosmos writes, ms. */
  writeMs: number;
}

export function portalDeviceId(index: number): string {
  return `cpc-${String(index + 1).padStart(6, '0')}`;
}

/** A fraction in [0, 1) fixed by the index: ages spread without randomness, so runs compare. */
function spread(index: number): number {
  return ((Math.imul(index + 1, 2654435761) >>> 0) % 10_000) / 10_000;
}

/** The device the product would hold for index `index`, and the status it has at `now`. */
export function portalDevice(
  tenantId: string,
  index: number,
  now: Date,
): { device: Omit<Device, 'version'>; status: ComplianceStatus } {
  const id = portalDeviceId(index);
  const policy = index % 5 === 4 ? portalPolicies[1] : portalPolicies[0];
  const status = statusCycle[index % statusCycle.length]!;
  const rpo = rpoMs(policy.rpoHours);
  const nowMs = now.getTime();
  // The age of its last verified point, inside the band its status means (statusForAge), far
  // enough from its edges that the status holds for the half hour a run takes.
  const age =
    status === 'protected'
      ? spread(index) * rpo * 0.5
      : status === 'at-risk'
        ? rpo * (1.05 + spread(index) * 0.45)
        : status === 'breached'
          ? rpo * 2.1 + spread(index) * 72 * hourMs
          : undefined;
  const verifiedAt = age === undefined ? undefined : new Date(Math.floor((nowMs - age) / 1000) * 1000);
  const createdAt = new Date(nowMs - 30 * 24 * hourMs).toISOString();
  const announced: AnnouncedCompliance =
    status === 'unlicensed' ? 'not-yet-protected' : (status as AnnouncedCompliance);
  const device: Omit<Device, 'version'> = {
    id,
    tenantId,
    upn: `user${id.slice(4)}@contoso.test`,
    primaryRegion: LocalRegions.primary,
    disk: { kind: 'pageBlob', container: portalDiskContainer, blob: `${id}.vhd` },
    policyId: policy.id,
    priorityTier: (index % 3) + 1,
    licensed: status !== 'unlicensed',
    protection: { backupRegion: LocalRegions.backup, rpoHours: policy.rpoHours, enabled: true },
    nextDueAt: nextSlotStart(id, rpo, now).toISOString(),
    announced,
    createdAt,
    updatedAt: (verifiedAt ?? new Date(createdAt)).toISOString(),
    ...(verifiedAt
      ? {
          lastVerifiedAt: verifiedAt.toISOString(),
          lastRestorePoint: restorePointName(tenantId, id, verifiedAt),
        }
      : {}),
  };
  return { device, status };
}

/** The tenant (licences for every licensed device) and its policies, through the product's services. */
async function createTenant(tenantId: string, licences: number): Promise<void> {
  const { tenants, policies } = services();
  await tenants.putEntitlement(tenantId, {
    name: 'Contoso (portal benchmark)',
    licences,
    allowedBackupRegions: [LocalRegions.backup],
    diskScopes: [{ kind: 'pageBlob', region: LocalRegions.primary, container: portalDiskContainer }],
  });
  for (const policy of portalPolicies)
    await policies.put(tenantId, policy.id, {
      name: policy.name,
      backupRegion: LocalRegions.backup,
      rpoHours: policy.rpoHours,
      retention: defaultRetention,
      enabled: true,
    });
}

function upsert(body: object): OperationInput {
  return { operationType: 'Upsert', resourceBody: body as JSONObject };
}

async function writeBatch(container: Container, tenantId: string, operations: OperationInput[]) {
  const { result } = await container.items.batch(operations, tenantId);
  const failed = (result ?? []).find((r) => r.statusCode >= 400);
  if (failed) throw new Error(`A seeding batch failed with status ${failed.statusCode}`);
}

export async function seedPortalFleet(o: PortalFleetOptions): Promise<PortalFleet> {
  const log = o.log ?? (() => undefined);
  const { config, clock } = services();
  const seeded = Array.from({ length: o.devices }, (_, i) => portalDevice(o.tenantId, i, o.now));
  const byStatus: Record<ComplianceStatus, number> = {
    protected: 0,
    'at-risk': 0,
    breached: 0,
    'not-yet-protected': 0,
    unlicensed: 0,
    disabled: 0,
  };
  for (const { status } of seeded) byStatus[status] += 1;
  await createTenant(o.tenantId, o.devices - byStatus.unlicensed);

  const client = createCosmosClient(config.cosmos.connection);
  try {
    const container = client.database(config.cosmos.database).container(Containers.devices.id);
    const partition = new DevicePartition(container, config.region, clock);
    // The histogram shards as the registrations' +1 on 'never' and the recorded points' moves
    // leave them: each device counted once, under the key it has now.
    const histograms = new Map<string, HistogramDocument>();
    for (const { device } of seeded) {
      const id = partition.histogramId(device.policyId, device.id);
      const histogram = histograms.get(id) ?? {
        id,
        tenantId: o.tenantId,
        type: 'histogram',
        policyId: device.policyId,
        region: config.region,
        buckets: {},
        compactAtMs: 0,
      };
      const key = keyOf(device, o.now);
      histogram.buckets[key] = (histogram.buckets[key] ?? 0) + 1;
      histograms.set(id, histogram);
    }
    const helpers = [
      { id: licenceCounterId, tenantId: o.tenantId, type: 'licences', used: o.devices - byStatus.unlicensed },
      ...histograms.values(),
    ];
    const documents = [...helpers, ...seeded.map(({ device }) => toDocument(device))];
    const batches: object[][] = [];
    for (let start = 0; start < documents.length; start += batchSize)
      batches.push(documents.slice(start, start + batchSize));
    const started = performance.now();
    let written = 0;
    await mapConcurrently(batches, o.concurrency ?? 4, async (batch) => {
      await writeBatch(container, o.tenantId, batch.map(upsert));
      written += batch.length;
      if (written % 10_000 < batchSize) log(`[bench]   ${written} of ${documents.length} documents written`);
    });
    return { ids: seeded.map(({ device }) => device.id), byStatus, writeMs: performance.now() - started };
  } finally {
    client.dispose();
  }
}
