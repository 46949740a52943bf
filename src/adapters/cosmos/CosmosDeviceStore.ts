/**
 * The device store in Cosmos DB: its four parts over one partition per tenant (./DevicePartition,
 * ./deviceDocument for what the partition holds), each usable alone. This class is for callers
 * that need several parts at once; it only delegates.
 */
import type { Container } from '@azure/cosmos';
import type {
  AnnouncedCompliance,
  Device,
  DeviceProtection,
  DeviceRecovery,
  PendingRestorePoint,
  ProtectionBlock,
} from '../../domain/device';
import type { HistogramPolicy } from '../../domain/complianceHistogram';
import type { ComplianceStatus } from '../../domain/rpo';
import { systemClock, type Clock } from '../../ports/Clock';
import type { ComplianceTransition, PolicyHistogram } from '../../ports/ComplianceIndex';
import type { DeviceFilter } from '../../ports/DeviceRegistry';
import type { DeviceStore } from '../../ports/DeviceStore';
import type { Page, PageRequest } from '../../ports/Page';
import { CosmosComplianceIndex } from './CosmosComplianceIndex';
import { CosmosDeviceRegistry } from './CosmosDeviceRegistry';
import { CosmosProtectionSchedule } from './CosmosProtectionSchedule';
import { CosmosRecoveryClaims } from './CosmosRecoveryClaims';
import { DevicePartition } from './DevicePartition';

export class CosmosDeviceStore implements DeviceStore {
  readonly registry: CosmosDeviceRegistry;
  readonly schedule: CosmosProtectionSchedule;
  readonly compliance: CosmosComplianceIndex;
  readonly claims: CosmosRecoveryClaims;

  constructor(
    container: Container,
    /** The control-plane region this process writes from: it owns that region's histogram shards. */
    region: string,
    clock: Clock = systemClock,
  ) {
    const partition = new DevicePartition(container, region, clock);
    this.registry = new CosmosDeviceRegistry(partition);
    this.schedule = new CosmosProtectionSchedule(partition);
    this.compliance = new CosmosComplianceIndex(partition);
    this.claims = new CosmosRecoveryClaims(partition);
  }

  // ---- DeviceRegistry ----
  get(tenantId: string, id: string): Promise<Device | undefined> {
    return this.registry.get(tenantId, id);
  }
  register(device: Omit<Device, 'licensed' | 'version'>, licences: number): Promise<Device> {
    return this.registry.register(device, licences);
  }
  update(device: Device, ifVersion?: string): Promise<Device> {
    return this.registry.update(device, ifVersion);
  }
  remove(tenantId: string, id: string): Promise<void> {
    return this.registry.remove(tenantId, id);
  }
  list(tenantId: string, filter: DeviceFilter, page: PageRequest, now: Date): Promise<Page<Device>> {
    return this.registry.list(tenantId, filter, page, now);
  }
  listAll(tenantId: string, filter: DeviceFilter, now: Date): AsyncIterable<Device> {
    return this.registry.listAll(tenantId, filter, now);
  }
  findByUpn(tenantId: string, upn: string): Promise<Device[]> {
    return this.registry.findByUpn(tenantId, upn);
  }
  countByPolicy(tenantId: string, policyId: string, primaryRegion?: string): Promise<number> {
    return this.registry.countByPolicy(tenantId, policyId, primaryRegion);
  }
  applyProtection(
    tenantId: string,
    policyId: string,
    protection: DeviceProtection,
    rescheduleFrom?: Date,
  ): Promise<number> {
    return this.registry.applyProtection(tenantId, policyId, protection, rescheduleFrom);
  }
  licenseWaiting(tenantId: string, licences: number): Promise<number> {
    return this.registry.licenseWaiting(tenantId, licences);
  }

  // ---- ProtectionSchedule ----
  due(now: Date, page: PageRequest): Promise<Page<Device>> {
    return this.schedule.due(now, page);
  }
  advanceSchedule(device: Device, nextDueAt: Date): Promise<boolean> {
    return this.schedule.advanceSchedule(device, nextDueAt);
  }
  claimPending(device: Device, pending: PendingRestorePoint, nextDueAt?: Date): Promise<Device | undefined> {
    return this.schedule.claimPending(device, pending, nextDueAt);
  }
  releasePending(device: Device, owner: string, now: Date): Promise<void> {
    return this.schedule.releasePending(device, owner, now);
  }
  clearPending(device: Device): Promise<Device> {
    return this.schedule.clearPending(device);
  }
  blockProtection(device: Device, block: ProtectionBlock, nextDueAt?: Date): Promise<void> {
    return this.schedule.blockProtection(device, block, nextDueAt);
  }

  // ---- ComplianceIndex ----
  recordVerified(device: Device, point: { takenAt: Date; name: string }, now: Date): Promise<Device> {
    return this.compliance.recordVerified(device, point, now);
  }
  complianceTransitions(now: Date, pageSize: number): Promise<ComplianceTransition[]> {
    return this.compliance.complianceTransitions(now, pageSize);
  }
  announce(device: Device, state: AnnouncedCompliance): Promise<void> {
    return this.compliance.announce(device, state);
  }
  histograms(tenantId: string): Promise<PolicyHistogram[]> {
    return this.compliance.histograms(tenantId);
  }
  statusCounts(
    tenantId: string,
    of: { policyId: string; primaryRegion: string },
    policy: HistogramPolicy,
    now: Date,
  ): Promise<Record<ComplianceStatus, number>> {
    return this.compliance.statusCounts(tenantId, of, policy, now);
  }
  compactHistograms(now: Date): Promise<void> {
    return this.compliance.compactHistograms(now);
  }

  // ---- RecoveryClaims ----
  claimForRecovery(tenantId: string, deviceId: string, recovery: DeviceRecovery): Promise<boolean> {
    return this.claims.claimForRecovery(tenantId, deviceId, recovery);
  }
  claimAllForRecovery(
    tenantId: string,
    claims: readonly { deviceId: string; recovery: DeviceRecovery }[],
  ): Promise<Set<string>> {
    return this.claims.claimAllForRecovery(tenantId, claims);
  }
  setRecovery(
    tenantId: string,
    deviceId: string,
    activationId: string,
    recovery: DeviceRecovery | null,
  ): Promise<boolean> {
    return this.claims.setRecovery(tenantId, deviceId, activationId, recovery);
  }
}
