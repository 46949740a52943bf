/**
 * The RPO compliance report of a tenant: counts per status from the histogram (no scan, derived
 * from the clock at read time) and per-device rows from a filtered, paged query.
 */
import { parseResourceGroupId } from '../domain/armId';
import { countStatuses, oldestBucketStart } from '../domain/complianceHistogram';
import { capacityWarnings, type CapacityWarning } from '../domain/rpoCapacity';
import type { Tenant } from '../domain/tenant';
import { deviceStatus, type Device } from '../domain/device';
import { complianceStatuses, rpoMs, type ComplianceStatus } from '../domain/rpo';
import type { Clock } from '../ports/Clock';
import type { ComplianceIndex } from '../ports/ComplianceIndex';
import type { DeviceFilter, DeviceRegistry } from '../ports/DeviceRegistry';
import type { Page, PageRequest } from '../ports/Page';
import type { PolicyStore } from '../ports/PolicyStore';
import type { Policy } from '../domain/policy';
import type { TenantService } from './TenantService';

export interface ComplianceSummary {
  generatedAt: string;
  total: number;
  counts: Record<ComplianceStatus, number>;
  /** The start of the oldest minute holding a device's latest verified point (to the minute). */
  oldestLatestPointAt?: string;
  byPolicy: {
    policyId: string;
    rpoHours: number;
    enabled: boolean;
    total: number;
    counts: Record<ComplianceStatus, number>;
  }[];
  /**
   * The same devices per primary region, every region that holds any. A policy's devices are in
   * the deployment's regions other than its backup region (registration and policy changes keep
   * it so): with two regions, that is one region and its counts are the policy's; with more, all but
   * one are counted by index-served queries and the last gets the rest.
   */
  byPrimaryRegion: {
    primaryRegion: string;
    total: number;
    counts: Record<ComplianceStatus, number>;
  }[];
  /**
   * Policies whose RPO the tenant's subscriptions cannot meet for managed disks (Azure's limits per
   * subscription and backup region: src/domain/armCapacity.ts); absent when there is none.
   */
  capacityWarnings?: CapacityWarning[];
}

export interface ComplianceRow {
  deviceId: string;
  upn: string;
  primaryRegion: string;
  backupRegion: string;
  policyId: string;
  priorityTier: number;
  rpoHours: number;
  status: ComplianceStatus;
  lastVerifiedAt?: string;
  /** Age of the latest verified point in minutes: the RPO achieved right now. */
  ageMinutes?: number;
}

export class ComplianceReport {
  constructor(
    private readonly devices: DeviceRegistry & ComplianceIndex,
    private readonly policies: PolicyStore,
    private readonly tenants: TenantService,
    private readonly clock: Clock,
    /** The regions devices may have as primary (registration refuses others). */
    private readonly regions: ReadonlySet<string>,
  ) {}

  async summary(tenantId: string): Promise<ComplianceSummary> {
    const tenant = await this.tenants.get(tenantId);
    const now = this.clock.now();
    const [histograms, policies] = await Promise.all([
      this.devices.histograms(tenantId),
      this.policies.list(tenantId),
    ]);
    const policyById = new Map(policies.map((p) => [p.id, p]));
    const counts = zeroCounts();
    const byPolicy: ComplianceSummary['byPolicy'] = [];
    let oldest: Date | undefined;
    const regional: Promise<RegionCounts[]>[] = [];
    for (const { policyId, buckets } of histograms) {
      const policy = policyById.get(policyId);
      if (!policy) continue;
      const policyCounts = countStatuses(
        buckets,
        { rpoMs: rpoMs(policy.rpoHours), enabled: policy.enabled },
        now,
      );
      for (const status of complianceStatuses) counts[status] += policyCounts[status];
      const total = complianceStatuses.reduce((sum, status) => sum + policyCounts[status], 0);
      byPolicy.push({
        policyId,
        rpoHours: policy.rpoHours,
        enabled: policy.enabled,
        total,
        counts: policyCounts,
      });
      if (total !== 0) regional.push(this.perRegion(tenantId, policy, policyCounts, now));
      if (policy.enabled) {
        const start = oldestBucketStart(buckets);
        if (start && (!oldest || start < oldest)) oldest = start;
      }
    }
    const summary: ComplianceSummary = {
      generatedAt: now.toISOString(),
      total: complianceStatuses.reduce((sum, status) => sum + counts[status], 0),
      counts,
      byPolicy: byPolicy.sort((a, b) => a.policyId.localeCompare(b.policyId)),
      byPrimaryRegion: sumByRegion((await Promise.all(regional)).flat()),
    };
    if (oldest) summary.oldestLatestPointAt = oldest.toISOString();
    const warnings = managedDiskWarnings(tenant, summary.byPolicy, policyById);
    if (warnings.length > 0) summary.capacityWarnings = warnings;
    return summary;
  }

  /** One policy's counts split by primary region (see `ComplianceSummary.byPrimaryRegion`). */
  private async perRegion(
    tenantId: string,
    policy: Policy,
    policyCounts: Record<ComplianceStatus, number>,
    now: Date,
  ): Promise<RegionCounts[]> {
    const candidates = [...this.regions].filter((r) => r !== policy.backupRegion).sort();
    const last = candidates.pop();
    if (last === undefined) return [];
    const counted = await Promise.all(
      candidates.map(async (primaryRegion) => ({
        primaryRegion,
        counts: await this.devices.statusCounts(
          tenantId,
          { policyId: policy.id, primaryRegion },
          { rpoMs: rpoMs(policy.rpoHours), enabled: policy.enabled },
          now,
        ),
      })),
    );
    const rest = { ...policyCounts };
    for (const { counts } of counted) for (const status of complianceStatuses) rest[status] -= counts[status];
    return [...counted, { primaryRegion: last, counts: rest }];
  }

  async rows(tenantId: string, filter: DeviceFilter, page: PageRequest): Promise<Page<ComplianceRow>> {
    await this.tenants.get(tenantId);
    const now = this.clock.now();
    const devices = await this.devices.list(tenantId, filter, page, now);
    return { ...devices, items: devices.items.map((device) => toRow(device, now)) };
  }

  /** Every row matching the filter, for a CSV export streamed as it is read. */
  async *allRows(tenantId: string, filter: DeviceFilter): AsyncIterable<ComplianceRow> {
    await this.tenants.get(tenantId);
    const now = this.clock.now();
    for await (const device of this.devices.listAll(tenantId, filter, now)) yield toRow(device, now);
  }
}

export function toRow(device: Device, now: Date): ComplianceRow {
  const lastVerifiedAt = device.lastVerifiedAt ? new Date(device.lastVerifiedAt) : undefined;
  const row: ComplianceRow = {
    deviceId: device.id,
    upn: device.upn,
    primaryRegion: device.primaryRegion,
    backupRegion: device.protection.backupRegion,
    policyId: device.policyId,
    priorityTier: device.priorityTier,
    rpoHours: device.protection.rpoHours,
    status: deviceStatus(device, now),
  };
  if (lastVerifiedAt) {
    row.lastVerifiedAt = lastVerifiedAt.toISOString();
    row.ageMinutes = Math.floor((now.getTime() - lastVerifiedAt.getTime()) / 60_000);
  }
  return row;
}

/** Only a tenant with managed-disk backup groups copies with CopyStart: page blobs have no such limits. */
function managedDiskWarnings(
  tenant: Tenant,
  byPolicy: ComplianceSummary['byPolicy'],
  policies: ReadonlyMap<string, { backupRegion: string }>,
): CapacityWarning[] {
  if (!tenant.backupResourceGroups) return [];
  const subscriptions = new Map(
    Object.entries(tenant.backupResourceGroups).map(([region, groups]) => [
      region,
      new Set(groups.map((g) => parseResourceGroupId(g)?.subscriptionId.toLowerCase()).filter(Boolean)).size,
    ]),
  );
  return capacityWarnings(
    byPolicy.map((p) => ({
      policyId: p.policyId,
      backupRegion: policies.get(p.policyId)!.backupRegion,
      rpoHours: p.rpoHours,
      enabled: p.enabled,
      devices: p.total,
    })),
    subscriptions,
  );
}

interface RegionCounts {
  primaryRegion: string;
  counts: Record<ComplianceStatus, number>;
}

/** Per region, the sum over policies; regions without a device left out, sorted by name. */
function sumByRegion(parts: readonly RegionCounts[]): ComplianceSummary['byPrimaryRegion'] {
  const byRegion = new Map<string, Record<ComplianceStatus, number>>();
  for (const { primaryRegion, counts } of parts) {
    const sum = byRegion.get(primaryRegion) ?? zeroCounts();
    for (const status of complianceStatuses) sum[status] += counts[status];
    byRegion.set(primaryRegion, sum);
  }
  return [...byRegion]
    .map(([primaryRegion, counts]) => ({
      primaryRegion,
      total: complianceStatuses.reduce((sum, status) => sum + counts[status], 0),
      counts,
    }))
    .filter((region) => region.total !== 0)
    .sort((a, b) => a.primaryRegion.localeCompare(b.primaryRegion));
}

function zeroCounts(): Record<ComplianceStatus, number> {
  return Object.fromEntries(complianceStatuses.map((s) => [s, 0])) as Record<ComplianceStatus, number>;
}
