import type { DiskSnapshot } from '../domain/disk';
import type { DiskEncryption } from '../domain/managedDisk';
import type { RestorePoint, RestorePointKind } from '../domain/restorePoint';
import type { SlotWake } from './CopySlots';

/**
 * Which restore point an operation is about: its tenant, device, region and time fix its name.
 * Device ids are unique within a tenant only, so the tenant is part of every point's identity.
 */
export interface RestorePointTarget {
  region: string;
  tenantId: string;
  deviceId: string;
  takenAt: Date;
  kind: RestorePointKind;
  /**
   * A managed disk's candidates for where its copy goes: the tenant's resource groups in the
   * backup region (the store keeps a device in the group of its newest point while that stays one).
   */
  backupResourceGroups?: readonly string[];
  /**
   * A managed disk's tenant's disk encryption sets in the backup region (one per subscription):
   * the copy of a disk encrypted with a customer-managed key is encrypted with the one of its group's
   * subscription, and never copied without one.
   */
  backupDiskEncryptionSets?: readonly string[];
  /** The disk's encryption as recorded at registration; the snapshot's own, when it has one, wins. */
  diskEncryption?: DiskEncryption;
  /** The policy's content-check rate (1 point in this many); absent, the store's default. */
  contentSampleEvery?: number;
  /** Sent when a copy that waited for a CopyStart slot is granted one (managed disks). */
  slotWake?: SlotWake;
}

/** How far a running copy's data has moved, as its own resource says, and how long it has run. */
export interface CopyProgress {
  /** 0–99 while it runs (a managed disk's `completionPercent`). */
  percent: number;
  /** Since the copy was started (its record), on the store's clock. */
  runningMs: number;
}

export type CopyStatus =
  /**
   * The copy is still running, or not started yet: check again later. `waiting: 'copy-slot'` says
   * it waits for a CopyStart slot whose grant sends the target's `slotWake`, so a check before that
   * is only a safety net; `progress`, how far a running copy is, lets the caller look when it
   * should be done.
   */
  | { state: 'pending'; waiting?: 'copy-slot'; progress?: CopyProgress }
  /**
   * The data is in place, not yet verified. `handedOn`: this look saw the copy end and handed its
   * CopyStart slot to the copy waiting longest (woken now), so the caller may put the verification
   * behind the copies that start.
   */
  | { state: 'copied'; handedOn?: boolean }
  /** The copy failed or was aborted; the partial point must be removed before trying again. */
  | { state: 'failed'; reason: string }
  /** This point already exists and is verified: nothing to do (a retried or duplicated message). */
  | { state: 'verified' };

/** What a recovery copies from: a verified point and where its data is. */
export type RecoverySource = BlobRecoverySource | ManagedSnapshotRecoverySource;

/** A page-blob point: a read-only URL of its data, which a new disk is copied from. */
export interface BlobRecoverySource {
  point: RestorePoint;
  kind: 'blobUrl';
  url: string;
}

/** A managed-disk point: its snapshot in the backup region, which a new managed disk is made from. */
export interface ManagedSnapshotRecoverySource {
  point: RestorePoint;
  kind: 'managedSnapshot';
  snapshotId: string;
}

export type VerifyResult = { ok: true; hash: string } | { ok: false; reason: string };

/**
 * The backup region's side: restore points live with their data under
 * `{tenantId}/{deviceId}/{inverted time}` with their metadata on the blob, so everything about them
 * is readable with the primary region gone, and one tenant's points are never another's even where
 * their device ids are the same. Every operation is idempotent by target.
 */
export interface RestorePointStore {
  /** Starts bringing the snapshot's content into the target point; never overwrites an existing point. */
  startCopy(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<CopyStatus>;
  checkCopy(target: RestorePointTarget): Promise<CopyStatus>;
  /** Compares the copied point with its source snapshot: status, length, page ranges, sampled hashes. */
  verify(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<VerifyResult>;
  /** Marks the point verified: from then on it is offered for recovery. */
  markVerified(target: RestorePointTarget, hash: string): Promise<RestorePoint>;
  /**
   * Called once the point is verified: returns the primary-region snapshots no longer needed, for
   * the caller to delete. A full copy needs none; a store that copies only changes keeps the newest snapshot
   * as the base of the next diff and releases the one before it.
   */
  releaseSource(snapshot: DiskSnapshot, target: RestorePointTarget): Promise<DiskSnapshot[]>;
  /**
   * Gives the point's copy up for good (its slot was abandoned): whatever shared copy capacity it
   * holds or asked for goes back (a managed disk's CopyStart slot requests, waiting or granted,
   * under every generation it may have asked under), and a later `startCopy` of it answers
   * `failed` without asking again. Idempotent. Called after `remove` of an unverified point, so a
   * copy running in it is deleted before its slot is freed. A store whose copies hold no shared
   * capacity (a page blob's full copy) need not have it.
   */
  closeCopy?(target: RestorePointTarget): Promise<void>;
  /**
   * Removes a point (a failed copy, or pruned by retention); a missing one is success. The name
   * (as `list` returns it) holds the tenant and the device, so it removes that tenant's point only.
   */
  remove(region: string, name: string): Promise<void>;
  /** Every point of a tenant's device in that region, newest first, verified or not. */
  list(region: string, tenantId: string, deviceId: string): Promise<RestorePoint[]>;
  /** The newest verified point: one prefix listing of the backup region's storage alone. */
  latestVerified(region: string, tenantId: string, deviceId: string): Promise<RestorePoint | undefined>;
  /** A read-only URL of the point's disk data, valid for `validForMinutes` (a compute provider copies a new disk from it). */
  readUrl(point: RestorePoint, validForMinutes?: number): Promise<string>;
  /**
   * The point a recovery copies from and where its data is (a page blob's read-only URL, valid for
   * the store's default lifetime; a managed disk's snapshot id, which needs no ARM call): the point
   * named `keep` while it is still there and verified (a retried recovery stays on its point), else
   * the newest verified one; undefined when there is none. A single listing of the device's points
   * in the backup region's storage, and only what making the URL needs beyond it.
   */
  recoverySource(
    region: string,
    tenantId: string,
    deviceId: string,
    keep?: string,
  ): Promise<RecoverySource | undefined>;
}
