/**
 * Restore points of managed disks: the slot's incremental snapshot copied into the backup region
 * with CopyStart, one record per point in the backup region's blob catalogue (so the points are
 * listed, and recovered, with the primary region and its ARM gone; ARM tags serve reconciliation
 * only). Start–record–check: a copy is asked for a CopyStart slot, recorded, started
 * (managedCopyStart.ts), then read back until its `completionPercent` is 100
 * (managedCopyProgress.ts), verified (managedCopyVerification.ts), and what it no longer needs is
 * given back (managedPointRelease.ts). This class holds what they share and reads the catalogue.
 */
import type { DiskSnapshot } from '../../domain/disk';
import type { RestorePoint } from '../../domain/restorePoint';
import { systemClock, type Clock } from '../../ports/Clock';
import type { CopySlotKey, CopySlots } from '../../ports/CopySlots';
import type { EventLog } from '../../ports/EventLog';
import type {
  CopyStatus,
  ManagedSnapshotRecoverySource,
  RestorePointStore,
  RestorePointTarget,
  VerifyResult,
} from '../../ports/RestorePointStore';
import type { RestorePointCatalog } from '../blob/RestorePointCatalog';
import { ArmSnapshots } from './ArmSnapshots';
import type { ComputeClients } from './createComputeClient';
import { copyProgress } from './managedCopyProgress';
import { startManagedCopy } from './managedCopyStart';
import { verifyManagedCopy } from './managedCopyVerification';
import { closePointCopy, releaseSources, removePoint } from './managedPointRelease';
import type { ManagedDiskRestorePointStoreOptions, ManagedStoreContext } from './managedStoreContext';
import type { SasRangeReader } from './readSasRange';

export type { ManagedDiskRestorePointStoreOptions } from './managedStoreContext';

export interface ManagedDiskRestorePointStoreDependencies {
  clients: ComputeClients;
  catalog: RestorePointCatalog;
  copySlots: CopySlots;
  events: EventLog;
  readRange: SasRangeReader;
  /** Wall-clock time: when a copy started, and whether it is stuck. */
  clock?: Clock;
  /**
   * Whether a waiting copy's slot grant sends its target's `slotWake` (CopySlotScheduler with a
   * queue, as composed for production): only then does a copy waiting for a slot say so
   * (`waiting: 'copy-slot'`), for its caller to look again only as a safety net.
   */
  slotWakes?: boolean;
  /**
   * Grants a key's waiting copies now (the copy-slot scheduler's `grant`), called when a copy
   * ended and gave its slot back; absent, the grant timer hands the slot out at its next tick.
   */
  slotFreed?: (key: CopySlotKey) => Promise<unknown>;
}

export class ManagedDiskRestorePointStore implements RestorePointStore {
  private readonly ctx: ManagedStoreContext;

  constructor(
    dependencies: ManagedDiskRestorePointStoreDependencies,
    options: ManagedDiskRestorePointStoreOptions = {},
  ) {
    const settings: Required<ManagedDiskRestorePointStoreOptions> = {
      contentSampleEvery: options.contentSampleEvery ?? 10,
      sampleRanges: options.sampleRanges ?? 4,
      sampleBytes: options.sampleBytes ?? 64 * 1024,
      sasDurationInSeconds: options.sasDurationInSeconds ?? 600,
      copyTimeoutInMs: options.copyTimeoutInMs ?? 6 * 3_600_000,
      pollIntervalInMs: options.pollIntervalInMs ?? 2_000,
    };
    this.ctx = {
      snapshots: new ArmSnapshots(dependencies.clients, settings.pollIntervalInMs),
      catalog: dependencies.catalog,
      copySlots: dependencies.copySlots,
      events: dependencies.events,
      readRange: dependencies.readRange,
      clock: dependencies.clock ?? systemClock,
      options: settings,
      slotWakes: dependencies.slotWakes ?? false,
      ...(dependencies.slotFreed ? { slotFreed: dependencies.slotFreed } : {}),
    };
  }

  async startCopy(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<CopyStatus> {
    return await startManagedCopy(this.ctx, snapshot, target);
  }

  async checkCopy(target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.ctx.catalog.nameOf(target);
    const entry = await this.ctx.catalog.listed(target.region, name);
    if (!entry) return { state: 'failed', reason: `restore point ${name} does not exist` };
    return await copyProgress(this.ctx, entry, target.region);
  }

  async verify(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<VerifyResult> {
    return await verifyManagedCopy(this.ctx, snapshot, target);
  }

  async markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint> {
    return (await this.ctx.catalog.markVerified(target, hash)).point;
  }

  async releaseSource(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<DiskSnapshot[]> {
    return await releaseSources(this.ctx, snapshot, target);
  }

  async closeCopy(target: RestorePointTarget): Promise<void> {
    await closePointCopy(this.ctx, target);
  }

  async remove(region: string, name: string): Promise<void> {
    await removePoint(this.ctx, region, name);
  }

  async list(region: string, tenantId: string, deviceId: string): Promise<RestorePoint[]> {
    return await this.ctx.catalog.list(region, tenantId, deviceId);
  }

  async latestVerified(
    region: string,
    tenantId: string,
    deviceId: string,
  ): Promise<RestorePoint | undefined> {
    return await this.ctx.catalog.latestVerified(region, tenantId, deviceId);
  }

  /** A read-only SAS of the point's snapshot in the backup region: ARM there, never the primary's. */
  async readUrl(point: RestorePoint, validForMinutes = 60): Promise<string> {
    if (!point.snapshotArmId) throw new TypeError(`Restore point ${point.name} names no snapshot`);
    return await this.ctx.snapshots.grantRead(point.snapshotArmId, validForMinutes * 60);
  }

  async recoverySource(
    region: string,
    tenantId: string,
    deviceId: string,
    keep?: string,
  ): Promise<ManagedSnapshotRecoverySource | undefined> {
    // From the blob catalogue alone: no ARM call, so it answers with the primary region gone and
    // costs nothing of the ARM budget an activation's disks and VMs need.
    const listed = await this.ctx.catalog.recoveryPoint(region, tenantId, deviceId, keep);
    if (!listed?.point.snapshotArmId) return undefined;
    return { point: listed.point, kind: 'managedSnapshot', snapshotId: listed.point.snapshotArmId };
  }
}
