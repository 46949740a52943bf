/**
 * The double's state: disks, VMs and snapshots, keyed case-insensitively by ARM id, plus each
 * disk's chain of snapshot deltas (kept after a snapshot is deleted: a copy's size depends on the
 * changes since its base, whichever source snapshots still exist).
 */
import { groupKey, IndexedMap, regionKey } from './indexedMap';
import { idKey } from './resourceIds';
import type { SeedDisk } from './types';

export interface DiskRecord {
  id: string;
  seed: SeedDisk;
  uniqueId: string;
  timeCreated: number;
  managedBy: string | undefined;
  /** GiB written since the disk's last snapshot (drives the next snapshot's delta). */
  changedGiB: number;
  /** Deltas by chain index (1-based): index 1 is the first snapshot (a full copy). */
  chainDeltas: number[];
  /** Set for disks made by PUT (issue 29); seeded disks have none. */
  made?: MadeDisk;
}

/** What a disk PUT (createOption Copy from a snapshot) added to the seed-shaped record. */
export interface MadeDisk {
  sourceResourceId: string;
  sourceUniqueId: string;
  skuName: string;
  tags: Record<string, string>;
  lroDoneAt: number;
  deleted: boolean;
}

export interface SubnetRecord {
  id: string;
  subscriptionId: string;
  location: string;
}

export interface NicRecord {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  subnetId: string;
  ipConfigurationName: string;
  privateIPAddress: string;
  tags: Record<string, string>;
  resourceGuid: string;
  virtualMachineId: string | undefined;
  deleted: boolean;
}

export interface VmRecord {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  size: string;
  zone: string | undefined;
  osDiskId: string;
  osDiskName: string;
  osType: 'Windows' | 'Linux';
  /** Set for VMs made by PUT (issue 29); seeded VMs have none. */
  made?: MadeVm;
}

/** A VM made by PUT: its request and its provisioning timeline (simulated ms). */
export interface MadeVm {
  vmId: string;
  tags: Record<string, string>;
  nics: { id: string; primary: boolean; deleteOption: 'Delete' | 'Detach' }[];
  osDiskDeleteOption: 'Delete' | 'Detach';
  storageAccountType: string;
  securityType: string | undefined;
  securityProfile: unknown;
  capacityReservationGroupId: string | undefined;
  userData: string | undefined;
  timeCreated: number;
  /** When the current provisioning started, ends (Infinity while stuck), and the agent turns Ready. */
  startedAt: number;
  readyAt: number;
  agentReadyAt: number;
  /** Set when the current provisioning fails at `readyAt`. */
  failure: { code: string; message: string } | undefined;
  /** 'Creating' for the first provisioning, 'Updating' for a later one. */
  phase: 'Creating' | 'Updating';
  sizesTried: string[];
  deleted: boolean;
}

export interface CopyState {
  /** When the copy may start moving data (after its LRO). */
  readyAt: number;
  startedAt: number | undefined;
  sizeGiB: number | undefined;
  durationMs: number | undefined;
  completedAt: number | undefined;
  failedAt: number | undefined;
  error: { errorCode: string; errorMessage: string } | undefined;
  /** Injected: never progresses past `stallPercent`. */
  stall: boolean;
  /** Injected: fails at this percent. */
  failAtPercent: number | undefined;
  failError: { errorCode: string; errorMessage: string } | undefined;
  /** Injected: the copied bytes differ from the source's. */
  corrupt: boolean;
}

export interface SnapshotRecord {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  createOption: 'Copy' | 'CopyStart';
  /** As the caller wrote it (echoed back). */
  sourceResourceId: string;
  sourceUniqueId: string;
  diskKey: string;
  /** Position in the disk's chain: a Copy's own index, a CopyStart's source's. */
  chainIndex: number;
  networkAccessPolicy: string;
  uniqueId: string;
  creationOrder: number;
  timeCreated: number;
  lroDoneAt: number;
  copy: CopyState | undefined;
  sasUntil: number | undefined;
  sasToken: string | undefined;
  deleted: boolean;
}

export class ArmStore {
  /** Disks (a deleted made disk included, as a tombstone) by resource group. */
  readonly disks = new IndexedMap<DiskRecord, 'group'>({
    group: (d) => groupKey(d.seed.subscriptionId, d.seed.resourceGroup),
  });
  /** Live VMs by resource group, and by (subscription, region) for vm.count.perRegion. */
  readonly vms = new IndexedMap<VmRecord, 'group' | 'region'>({
    group: (v) => groupKey(v.subscriptionId, v.resourceGroup),
    region: (v) => regionKey(v.subscriptionId, v.location),
  });
  /** Live snapshots by resource group and by the disk they are (or copy) a snapshot of. */
  readonly snapshots = new IndexedMap<SnapshotRecord, 'group' | 'disk'>({
    group: (s) => groupKey(s.subscriptionId, s.resourceGroup),
    disk: (s) => s.diskKey,
  });
  /** Every snapshot ever made of a disk, deleted ones included (disk.snapshot.rateWindow), by disk key. */
  private readonly snapshotHistory = new Map<string, SnapshotRecord[]>();
  /** Deleted snapshots stay here for assertions (`snapshots()` reports them with deleted: true). */
  readonly deletedSnapshots: SnapshotRecord[] = [];
  /** Issue 29: subnets (seeded), NICs, and VMs deleted (kept for assertions). */
  readonly subnets = new Map<string, SubnetRecord>();
  readonly nics = new IndexedMap<NicRecord, 'group'>({
    group: (n) => groupKey(n.subscriptionId, n.resourceGroup),
  });
  readonly deletedNics: NicRecord[] = [];
  readonly deletedVms: VmRecord[] = [];
  readonly deletedDisks: DiskRecord[] = [];
  private order = 0;

  nextCreationOrder(): number {
    this.order += 1;
    return this.order;
  }

  /** A live disk (a deleted made disk stays in `disks` so its snapshots still describe it, but is not returned). */
  disk(id: string): DiskRecord | undefined {
    const disk = this.disks.get(idKey(id));
    return disk?.made?.deleted ? undefined : disk;
  }

  vm(id: string): VmRecord | undefined {
    return this.vms.get(idKey(id));
  }

  nic(id: string): NicRecord | undefined {
    return this.nics.get(idKey(id));
  }

  snapshot(id: string): SnapshotRecord | undefined {
    return this.snapshots.get(idKey(id));
  }

  /**
   * The live CopyStart copies that have not ended (neither completed nor failed), in creation
   * order: what the copy engine settles and counts in flight, without walking every snapshot or
   * every finished copy (a fleet of 50,000 points kept 50,000 finished copies here, and walking
   * them made each request O(N)). The copy engine drops a copy when it ends.
   */
  readonly copies = new Set<SnapshotRecord>();
  /** Bumped when a copy is filed or a live one removed: the copy engine's cue to settle again. */
  copiesChanged = 0;
  /** Live snapshots by their active SAS token (beginGetAccess), so a SAS read finds its snapshot at once. */
  readonly sasTokens = new Map<string, SnapshotRecord>();

  /** Files a new snapshot (live, and in its disk's history). */
  addSnapshot(record: SnapshotRecord): void {
    this.snapshots.set(idKey(record.id), record);
    if (record.copy) {
      this.copies.add(record);
      this.copiesChanged += 1;
    }
    const history = this.snapshotHistory.get(record.diskKey);
    if (history) history.push(record);
    else this.snapshotHistory.set(record.diskKey, [record]);
  }

  /** Every snapshot of a disk (by its key), live or deleted, in creation order. */
  snapshotsEverOf(diskKey: string): readonly SnapshotRecord[] {
    return this.snapshotHistory.get(diskKey) ?? [];
  }

  /** Live snapshots of a disk (by its key; CopyStart copies of its snapshots included), in creation order. */
  liveSnapshotsOf(diskKey: string): SnapshotRecord[] {
    return [...this.snapshots.in('disk', diskKey)];
  }

  /** Live snapshots in a resource group, in creation order. */
  snapshotsIn(subscriptionId: string, resourceGroup: string): SnapshotRecord[] {
    return [...this.snapshots.in('group', groupKey(subscriptionId, resourceGroup))];
  }

  /** Disks in a resource group (deleted made disks included: filter on `made.deleted`), in creation order. */
  disksIn(subscriptionId: string, resourceGroup: string): DiskRecord[] {
    return [...this.disks.in('group', groupKey(subscriptionId, resourceGroup))];
  }

  /** Live VMs in a resource group, in creation order. */
  vmsIn(subscriptionId: string, resourceGroup: string): VmRecord[] {
    return [...this.vms.in('group', groupKey(subscriptionId, resourceGroup))];
  }

  /** How many live VMs a subscription has in a region (vm.count.perRegion). */
  vmCount(subscriptionId: string, location: string): number {
    return this.vms.count('region', regionKey(subscriptionId, location));
  }

  /** Live NICs in a resource group, in creation order. */
  nicsIn(subscriptionId: string, resourceGroup: string): NicRecord[] {
    return [...this.nics.in('group', groupKey(subscriptionId, resourceGroup))];
  }

  removeSnapshot(record: SnapshotRecord): void {
    if (record.copy) this.copiesChanged += 1;
    this.copies.delete(record);
    if (record.sasToken) this.sasTokens.delete(record.sasToken);
    this.snapshots.delete(idKey(record.id));
    record.deleted = true;
    this.deletedSnapshots.push(record);
  }

  /**
   * Live snapshots, in creation order: the map's own order, since a snapshot enters it only when
   * created (with the next creation order) and leaves it when deleted. Not sorted: every request
   * settles the copies through this, and a sort per request made a fleet of 10,000 snapshots
   * O(N² log N) (the recovery-arm benchmark).
   */
  liveSnapshots(): SnapshotRecord[] {
    return [...this.snapshots.values()];
  }

  /** Location of whatever resource an id names (for unreachable-region faults). */
  locationOf(id: string): string | undefined {
    const key = idKey(id);
    return (
      this.disks.get(key)?.seed.location ??
      this.snapshots.get(key)?.location ??
      this.vms.get(key)?.location ??
      this.nics.get(key)?.location
    );
  }
}
