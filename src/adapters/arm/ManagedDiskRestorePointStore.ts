/**
 * Restore points of managed disks: the slot's incremental snapshot copied into the backup region
 * with CopyStart, one record per point in the backup region's blob catalogue (so the points are
 * listed, and recovered, with the primary region and its ARM gone; ARM tags serve reconciliation
 * only). Start–record–check: a copy is asked for a CopyStart slot, recorded, started, and then
 * read back until its `completionPercent` is 100: the PUT's long-running operation succeeds long
 * before the data has moved (learn.microsoft.com, "disks-copy-incremental-snapshot-across-regions":
 * "You can check the process of a copy so you know when a target snapshot is ready"), so this store
 * never looks at it.
 */
import type { Snapshot } from '@azure/arm-compute';
import { createHash } from 'node:crypto';
import {
  armIdsEqual,
  parseArmResourceId,
  parseResourceGroupId,
  resourceGroupId,
  snapshotId,
} from '../../domain/armId';
import { describeDisk, type DiskSnapshot } from '../../domain/disk';
import { copyEncryptionFor, type DiskEncryption } from '../../domain/managedDisk';
import { managedSnapshotName, stickyBackupResourceGroup } from '../../domain/managedDiskPlacement';
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
import type { ListedPoint, RestorePointCatalog } from '../blob/RestorePointCatalog';
import { newPointMetadata, PointMetadata } from '../blob/restorePointMetadata';
import { ArmSnapshots } from './ArmSnapshots';
import { encryptionMetadata, recordedEncryption } from './copyEncryptionMetadata';
import { chainProblem, copyStateOf } from './copyChecks';
import { copyIdOf, isSlotReleased, recordedGeneration, requestCopySlot } from './copySlotIds';
import type { ComputeClients } from './createComputeClient';
import type { SasRangeReader } from './readSasRange';
import { sampleContent } from './sampleContent';

export interface ManagedDiskRestorePointStoreDependencies {
  clients: ComputeClients;
  catalog: RestorePointCatalog;
  copySlots: CopySlots;
  events: EventLog;
  readRange: SasRangeReader;
  /** Wall-clock time: when a copy started, and whether it is stuck. */
  clock?: Clock;
}

export interface ManagedDiskRestorePointStoreOptions {
  /**
   * Content is compared on 1 point in this many (by tenant, device and slot); 1 compares every
   * point. The deployment's default: a policy's `contentCheck.sampleEvery` (the target's) wins.
   */
  contentSampleEvery?: number;
  /** Ranges read from each snapshot when content is compared, and their size. */
  sampleRanges?: number;
  sampleBytes?: number;
  /** Lifetime of the read-only SAS of a comparison (revoked as soon as it is done). */
  sasDurationInSeconds?: number;
  /** A copy not at 100 % this long after it started is stuck: failed, removed and tried again. */
  copyTimeoutInMs?: number;
  /** How often grant/revoke/delete long-running operations are polled. */
  pollIntervalInMs?: number;
}

const managedDiskKind = 'managedDisk';

export class ManagedDiskRestorePointStore implements RestorePointStore {
  private readonly snapshots: ArmSnapshots;
  private readonly catalog: RestorePointCatalog;
  private readonly copySlots: CopySlots;
  private readonly events: EventLog;
  private readonly readRange: SasRangeReader;
  private readonly clock: Clock;
  private readonly options: Required<ManagedDiskRestorePointStoreOptions>;

  constructor(
    dependencies: ManagedDiskRestorePointStoreDependencies,
    options: ManagedDiskRestorePointStoreOptions = {},
  ) {
    this.catalog = dependencies.catalog;
    this.copySlots = dependencies.copySlots;
    this.events = dependencies.events;
    this.readRange = dependencies.readRange;
    this.clock = dependencies.clock ?? systemClock;
    this.options = {
      contentSampleEvery: options.contentSampleEvery ?? 10,
      sampleRanges: options.sampleRanges ?? 4,
      sampleBytes: options.sampleBytes ?? 64 * 1024,
      sasDurationInSeconds: options.sasDurationInSeconds ?? 600,
      copyTimeoutInMs: options.copyTimeoutInMs ?? 6 * 3_600_000,
      pollIntervalInMs: options.pollIntervalInMs ?? 2_000,
    };
    this.snapshots = new ArmSnapshots(dependencies.clients, this.options.pollIntervalInMs);
  }

  /**
   * Starts the slot's copy, or reports the one already started. Copies of one disk run one at a
   * time in creation order (Azure's rule): while an earlier copy of the device is still running,
   * this one waits. A copy starts only with a CopyStart slot of its (subscription, backup region).
   */
  async startCopy(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<CopyStatus> {
    if (snapshot.disk.kind !== 'managedDisk')
      throw new TypeError(`Disk ${describeDisk(snapshot.disk)} is not a managed disk`);
    const name = this.catalog.nameOf(target);
    const entries = await this.catalog.listEntries(target.region, target.tenantId, target.deviceId);
    const mine = entries.find((entry) => entry.point.name === name);
    if (mine) return await this.progress(mine, target.region);
    const takenAt = target.takenAt.getTime();
    if (entries.some((entry) => isManaged(entry) && Date.parse(entry.point.takenAt) > takenAt))
      return { state: 'failed', reason: 'a newer point of the device exists: copies go in creation order' };
    for (const earlier of entries) {
      if (!isManaged(earlier) || earlier.point.verified || earlier.metadata[PointMetadata.unusable]) continue;
      if ((await this.progress(earlier, target.region)).state === 'pending') return { state: 'pending' };
    }

    const group = stickyBackupResourceGroup(
      target.tenantId,
      target.deviceId,
      target.backupResourceGroups ?? [],
      currentGroup(entries),
    );
    const parsed = group ? parseResourceGroupId(group) : undefined;
    if (!parsed)
      return { state: 'failed', reason: `the tenant names no backup resource group in ${target.region}` };
    const targetId = snapshotId(
      parsed.subscriptionId,
      parsed.resourceGroup,
      managedSnapshotName(target.tenantId, target.deviceId, target.takenAt, 'copy'),
    );
    // Decided before a slot is taken: a copy that cannot be encrypted like its disk never starts.
    const encryption = copyEncryptionFor(
      snapshot.encryption ?? target.diskEncryption,
      target.backupDiskEncryptionSets ?? [],
      parsed.subscriptionId,
      target.region,
    );
    if (!encryption.ok) {
      this.events.emit('restore-point.encryption-set-missing', {
        tenantId: target.tenantId,
        deviceId: target.deviceId,
        takenAt: target.takenAt.toISOString(),
        reason: encryption.reason,
      });
      return { state: 'failed', reason: encryption.reason };
    }
    const key = { subscriptionId: parsed.subscriptionId, targetRegion: target.region };
    // A point whose earlier copy was removed (failed, stuck or unverifiable) starts it again under
    // the next generation's slot id: its old id was released, and a release is final.
    const slot = await requestCopySlot(this.copySlots, key, targetId, target.slotWake);
    if (slot.state === 'exhausted')
      return { state: 'failed', reason: `the copy was started ${slot.generations} times` };
    if (slot.state === 'waiting') return { state: 'pending' };
    const copyId = copyIdOf(targetId, slot.generation);
    // The source's create was only asked for (start–record–check, ArmDiskSource): read it once the
    // slot is held, so a copy waiting for a slot costs no ARM read. Its own size and encryption
    // (the disk's at that moment) are what the copy and its record follow.
    const created = await this.sourceOf(snapshot);
    if (created.state === 'creating') return { state: 'pending' };
    if (created.state === 'failed') {
      await this.copySlots.release(key, copyId);
      return { state: 'failed', reason: created.reason };
    }
    const source = created.snapshot;
    const sourceEncryption = copyEncryptionFor(
      source.encryption ?? target.diskEncryption,
      target.backupDiskEncryptionSets ?? [],
      parsed.subscriptionId,
      target.region,
    );
    if (!sourceEncryption.ok) {
      await this.copySlots.release(key, copyId);
      this.events.emit('restore-point.encryption-set-missing', {
        tenantId: target.tenantId,
        deviceId: target.deviceId,
        takenAt: target.takenAt.toISOString(),
        reason: sourceEncryption.reason,
      });
      return { state: 'failed', reason: sourceEncryption.reason };
    }
    // Recorded before the copy starts: whoever comes next finds the target by the record.
    const recorded = await this.catalog.createRecord(target, {
      ...newPointMetadata(source, target),
      [PointMetadata.diskKind]: managedDiskKind,
      [PointMetadata.targetSnapshot]: targetId,
      [PointMetadata.copyStartedAt]: this.clock.now().toISOString(),
      [PointMetadata.copyGeneration]: String(slot.generation),
      ...encryptionMetadata(sourceEncryption.encryption),
    });
    if (!recorded) {
      const other = await this.catalog.listed(target.region, name);
      return other ? await this.progress(other, target.region) : { state: 'pending' };
    }
    await this.snapshots.startCopy(targetId, source.snapshotId, target, sourceEncryption.encryption);
    return { state: 'pending' };
  }

  /**
   * The source snapshot as ARM has it: still being created, failed (or gone), or created, with
   * its size and its encryption as ARM made it.
   */
  private async sourceOf(
    snapshot: DiskSnapshot,
  ): Promise<
    { state: 'creating' } | { state: 'failed'; reason: string } | { state: 'created'; snapshot: DiskSnapshot }
  > {
    const found = await this.snapshots.get(snapshot.snapshotId);
    if (!found)
      return { state: 'failed', reason: `the source snapshot ${snapshot.snapshotId} does not exist` };
    if (found.provisioningState === 'Failed')
      return { state: 'failed', reason: `the source snapshot ${snapshot.snapshotId} failed to provision` };
    if (found.provisioningState !== 'Succeeded') return { state: 'creating' };
    const encryption = snapshotEncryption(found);
    return {
      state: 'created',
      snapshot: {
        ...snapshot,
        sizeBytes: found.diskSizeBytes ?? (found.diskSizeGB ?? 0) * gib,
        ...(encryption ? { encryption } : {}),
      },
    };
  }

  async checkCopy(target: RestorePointTarget): Promise<CopyStatus> {
    const name = this.catalog.nameOf(target);
    const entry = await this.catalog.listed(target.region, name);
    if (!entry) return { state: 'failed', reason: `restore point ${name} does not exist` };
    return await this.progress(entry, target.region);
  }

  /**
   * Offered only when the copy is at 100 % and succeeded, and its size, security type and chain
   * (an incremental copy of this very source, itself an incremental snapshot of the device's disk)
   * equal the source's. On a sample of points the content is compared as well.
   */
  async verify(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<VerifyResult> {
    const name = this.catalog.nameOf(target);
    const read = await this.catalog.read(target.region, name);
    const metadata = read?.metadata ?? {};
    const targetId = metadata[PointMetadata.targetSnapshot];
    if (!read || !targetId) return { ok: false, reason: `restore point ${name} has no copy recorded` };
    const [source, copy] = await Promise.all([
      this.snapshots.get(snapshot.snapshotId),
      this.snapshots.get(targetId),
    ]);
    if (!copy) return { ok: false, reason: `the copy ${targetId} does not exist` };
    if (!source) return { ok: false, reason: `the source snapshot ${snapshot.snapshotId} does not exist` };
    const problem = chainProblem(snapshot, source, copy);
    if (problem) return { ok: false, reason: problem };

    const digest = createHash('sha256')
      .update(targetId.toLowerCase())
      .update(String(copy.diskSizeBytes ?? copy.diskSizeGB ?? 0));
    const sampled = await sampleContent(
      { snapshots: this.snapshots, readRange: this.readRange, events: this.events },
      { source, copy, name, target },
      {
        every: target.contentSampleEvery ?? this.options.contentSampleEvery,
        ranges: this.options.sampleRanges,
        bytes: this.options.sampleBytes,
        sasDurationInSeconds: this.options.sasDurationInSeconds,
      },
    );
    if (sampled.compared && !sampled.ok) {
      await this.catalog.patchMetadata(
        target.region,
        name,
        metadata,
        { [PointMetadata.unusable]: sampled.reason },
        read.etag!,
      );
      this.events.emit('restore-point.unusable', {
        tenantId: target.tenantId,
        deviceId: target.deviceId,
        takenAt: target.takenAt.toISOString(),
        snapshot: targetId,
        reason: sampled.reason,
      });
      return { ok: false, reason: sampled.reason };
    }
    if (sampled.compared) digest.update(sampled.hash);
    const note = 'note' in sampled ? sampled.note : undefined;
    const hash = digest.digest('base64');
    const withNote = note
      ? { ...read, metadata: { ...metadata, [PointMetadata.verificationNote]: note } }
      : read;
    if (!(await this.catalog.stampChecked(target.region, name, withNote, hash)))
      return { ok: false, reason: `restore point ${name} changed while it was verified` };
    return { ok: true, hash };
  }

  async markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint> {
    return (await this.catalog.markVerified(target, hash)).point;
  }

  /**
   * The source snapshots of the device's older verified points: each was kept until the copy after
   * it completed, since a source is never deleted while its target is copying, and the newest one
   * is what the next incremental snapshot's copy follows. Each is handed back once (marked in its
   * record), so a cycle deletes one snapshot, not every old one again.
   */
  async releaseSource(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<DiskSnapshot[]> {
    const takenAt = target.takenAt.getTime();
    const released: DiskSnapshot[] = [];
    for (const entry of await this.catalog.listEntries(target.region, target.tenantId, target.deviceId)) {
      const source = entry.metadata[PointMetadata.sourceSnapshot];
      if (
        !isManaged(entry) ||
        !entry.point.verified ||
        Date.parse(entry.point.takenAt) >= takenAt ||
        entry.metadata[PointMetadata.sourceReleased] === 'true' ||
        !source ||
        armIdsEqual(source, snapshot.snapshotId)
      )
        continue;
      const marked = await this.catalog.patchMetadata(
        target.region,
        entry.point.name,
        entry.metadata,
        { [PointMetadata.sourceReleased]: 'true' },
        entry.etag,
      );
      if (marked)
        released.push({
          region: entry.metadata[PointMetadata.sourceRegion] ?? snapshot.region,
          disk: snapshot.disk,
          snapshotId: source,
          sizeBytes: entry.point.sizeBytes,
        });
    }
    return released;
  }

  /**
   * Deletes the copy in ARM (a running one is cancelled by it), gives its CopyStart slot back, then
   * removes the record: the record goes last, so a failure leaves the copy findable.
   */
  async remove(region: string, name: string): Promise<void> {
    const read = await this.catalog.read(region, name);
    const targetId = read?.metadata?.[PointMetadata.targetSnapshot];
    if (targetId) {
      await this.snapshots.delete(targetId);
      const key = slotKeyOf(targetId, region);
      if (key)
        await this.copySlots.release(key, copyIdOf(targetId, recordedGeneration(read?.metadata ?? {})));
    }
    await this.catalog.delete(region, name);
  }

  async list(region: string, tenantId: string, deviceId: string): Promise<RestorePoint[]> {
    return await this.catalog.list(region, tenantId, deviceId);
  }

  async latestVerified(
    region: string,
    tenantId: string,
    deviceId: string,
  ): Promise<RestorePoint | undefined> {
    return await this.catalog.latestVerified(region, tenantId, deviceId);
  }

  /** A read-only SAS of the point's snapshot in the backup region: ARM there, never the primary's. */
  async readUrl(point: RestorePoint, validForMinutes = 60): Promise<string> {
    if (!point.snapshotArmId) throw new TypeError(`Restore point ${point.name} names no snapshot`);
    return await this.snapshots.grantRead(point.snapshotArmId, validForMinutes * 60);
  }

  async recoverySource(
    region: string,
    tenantId: string,
    deviceId: string,
    keep?: string,
  ): Promise<ManagedSnapshotRecoverySource | undefined> {
    // From the blob catalogue alone: no ARM call, so it answers with the primary region gone and
    // costs nothing of the ARM budget an activation's disks and VMs need.
    const listed = await this.catalog.recoveryPoint(region, tenantId, deviceId, keep);
    if (!listed?.point.snapshotArmId) return undefined;
    return { point: listed.point, kind: 'managedSnapshot', snapshotId: listed.point.snapshotArmId };
  }

  /**
   * Where a recorded copy stands, from the target snapshot itself: copied only at 100 % with
   * provisioningState Succeeded. A record whose target does not exist (the process stopped between
   * recording and starting) is started again, with its slot; a copy running past the timeout is
   * stuck. A copy that ended gives its slot back.
   */
  private async progress(entry: ListedPoint, region: string): Promise<CopyStatus> {
    if (entry.point.verified) return { state: 'verified' };
    const unusable = entry.metadata[PointMetadata.unusable];
    if (unusable) return { state: 'failed', reason: `unusable: ${unusable}` };
    const targetId = entry.metadata[PointMetadata.targetSnapshot];
    const sourceId = entry.metadata[PointMetadata.sourceSnapshot];
    const key = targetId ? slotKeyOf(targetId, region) : undefined;
    if (!targetId || !sourceId || !key)
      return { state: 'failed', reason: `restore point ${entry.point.name} records no copy` };
    const copyId = copyIdOf(targetId, recordedGeneration(entry.metadata));
    const copy = await this.snapshots.get(targetId);
    if (!copy) {
      let slot;
      try {
        slot = await this.copySlots.request(key, copyId);
      } catch (err) {
        // Its slot went back (a removal stopped between releasing it and deleting the record): this
        // generation cannot start. Failed, so the point is removed and started under the next one.
        if (!isSlotReleased(err)) throw err;
        return { state: 'failed', reason: `the slot of copy ${targetId} was released before it started` };
      }
      if (slot === 'granted')
        await this.snapshots.startCopy(
          targetId,
          sourceId,
          {
            tenantId: entry.point.tenantId,
            deviceId: entry.point.deviceId,
            takenAt: new Date(entry.point.takenAt),
            region,
          },
          recordedEncryption(entry.metadata),
        );
      return { state: 'pending' };
    }
    const status = copyStateOf(copy);
    if (status.state === 'pending') {
      const startedAt = Date.parse(entry.metadata[PointMetadata.copyStartedAt] ?? '');
      const runningMs = this.clock.now().getTime() - startedAt;
      if (!(runningMs <= this.options.copyTimeoutInMs)) {
        this.events.emit('restore-point.copy-stuck', {
          tenantId: entry.point.tenantId,
          deviceId: entry.point.deviceId,
          takenAt: entry.point.takenAt,
          snapshot: targetId,
          completionPercent: copy.completionPercent,
          runningMinutes: Math.round(runningMs / 60_000),
        });
        return {
          state: 'failed',
          reason: `stuck: ${copy.completionPercent ?? 0} % after ${Math.round(runningMs / 60_000)} min`,
        };
      }
      return status;
    }
    await this.copySlots.release(key, copyId);
    return status;
  }
}

function isManaged(entry: ListedPoint): boolean {
  return entry.metadata[PointMetadata.diskKind] === managedDiskKind;
}

/** The group of the device's newest recorded copy: where its chain in the backup region is. */
function currentGroup(entries: readonly ListedPoint[]): string | undefined {
  for (const entry of entries) {
    const id = entry.metadata[PointMetadata.targetSnapshot];
    const parsed = id ? parseArmResourceId(id) : undefined;
    if (parsed) return resourceGroupId(parsed.subscriptionId, parsed.resourceGroup);
  }
  return undefined;
}

function slotKeyOf(targetId: string, region: string): CopySlotKey | undefined {
  const id = parseArmResourceId(targetId);
  return id ? { subscriptionId: id.subscriptionId.toLowerCase(), targetRegion: region } : undefined;
}

const gib = 1024 ** 3;

/** A snapshot's encryption as ARM reports it; undefined when it reports none. */
function snapshotEncryption(snapshot: Snapshot): DiskEncryption | undefined {
  const { type, diskEncryptionSetId } = snapshot.encryption ?? {};
  if (!type && !diskEncryptionSetId) return undefined;
  return { ...(type ? { type } : {}), ...(diskEncryptionSetId ? { diskEncryptionSetId } : {}) };
}
