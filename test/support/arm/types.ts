/**
 * The public shape of the local ARM test double (`startArmDouble`). Product tests depend on these
 * names; keep them stable and only add to them.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { AvdDouble, AvdOptions } from './avdTypes';

/** Documented limits the double enforces; `limits` in the options overrides any of them for a test. */
export interface ArmLimits {
  /** Token bucket per (caller's ARM region, subscription, principal): capacity and refill per simulated second. */
  readsBucket: number;
  readsRefillPerSecond: number;
  writesBucket: number;
  writesRefillPerSecond: number;
  deletesBucket: number;
  deletesRefillPerSecond: number;
  /** The subscription-wide (all principals) bucket is this many times the per-principal one. */
  globalMultiplier: number;
  /** Incremental snapshots of one disk within `snapshotWindowMs` (simulated). */
  snapshotsPerWindow: number;
  snapshotWindowMs: number;
  /** Incremental snapshots of one disk that may exist at once. */
  snapshotsPerDisk: number;
  /** CopyStart copies in flight per (subscription, target region). */
  copiesInFlightPerSubscriptionRegion: number;
  /** Snapshots of one family (disk, region) with an active SAS at once. */
  sasPerSnapshotFamily: number;
  /** Simulated duration of the create/delete/grant long-running operations (not the copy's data). */
  lroMs: number;
  /** Compute's PutVM policy per (subscription, region): bucket size and refill per simulated minute (rule compute.throttle.putVm). */
  putVmBucket: number;
  putVmRefillPerMinute: number;
  /** Virtual machines per (subscription, region) (rule vm.count.perRegion). */
  vmsPerSubscriptionRegion: number;
}

export interface ArmDoubleOptions {
  /** Simulated seconds per real second (default 60): ARM's time-based behaviour (copy progress, token-bucket refill, snapshot rate windows) runs on this scaled clock. */
  timeScale?: number;
  /** Override documented limits for a test (each override is reported in the double's stats as such). */
  limits?: Partial<ArmLimits>;
  /** Copy model: simulated GiB per hour a CopyStart moves (default stated and justified in rules.ts, `copy.throughput`). */
  copyGiBPerHour?: number;
  /** Addition: a copy never finishes sooner than this (simulated ms; default in rules.ts, `copy.minimumDuration`). */
  copyMinimumMs?: number;
  /** Addition: 'enforce' (default) answers 429 when a bucket is empty; 'count' answers anyway and only counts the call as over budget (for benchmarks that measure pacing without 429s). */
  throttling?: 'enforce' | 'count';
  /** Azure Virtual Desktop and run-command timings (AVD_DOUBLE.md). */
  avd?: AvdOptions;
  /** Provisioning model (rule vm.provisioning.model): simulated seconds a VM stays Creating (default 90). */
  vmProvisionSeconds?: number;
  /** Simulated seconds after Succeeded until the instance view's VM agent reports Ready (default 30). */
  agentReadySeconds?: number;
  /** Simulated seconds an allocation takes to fail when capacity is missing (default 30). */
  allocationFailureSeconds?: number;
  /**
   * Addition: the clock's state in memory shared with another thread (simulatedClock.ts), which
   * then reads the same simulated time and may move it on: for a double run in a thread of its own.
   */
  clockState?: Float64Array;
}

export interface SeedDisk {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  sizeGB: number;
  zone?: string;
  osType: 'Windows' | 'Linux';
  hyperVGeneration: 'V1' | 'V2';
  securityType?: 'Standard' | 'TrustedLaunch' | `ConfidentialVM_${string}`;
  diskControllerTypes?: string;
  encryption?: { type: string; diskEncryptionSetId?: string };
  networkAccessPolicy?: 'AllowAll' | 'DenyAll' | 'AllowPrivate';
  /** `computerName` (default: the VM's name) names its session host in a pool (AVD_DOUBLE.md). */
  vm?: { name: string; size: string; zone?: string; computerName?: string };
}

export interface RequestMatch {
  method?: string;
  pathIncludes?: string;
  principalId?: string;
}

/** An injected HTTP answer (ARM error body `{ error: { code, message } }`), `times` times (default: until removed). */
export interface HttpFault {
  match?: RequestMatch;
  status: number;
  code: string;
  message?: string;
  times?: number;
  /** Sent as `Retry-After` (seconds) when given, e.g. for an injected 429 storm. */
  retryAfterSeconds?: number;
}

/** Real milliseconds added before the double answers. */
export interface LatencyFault {
  match?: RequestMatch;
  latencyMs: number;
  times?: number;
}

/** Every call for a resource in `unreachableRegion` hangs (never answered until removed or closed) or has its connection reset. */
export interface UnreachableRegionFault {
  unreachableRegion: string;
  behaviour?: 'hang' | 'reset';
}

/** A CopyStart copy that stalls (never progresses), fails with `copyCompletionError`, or completes with bytes that differ from its source's (read through its SAS). */
export interface CopyFault {
  copy: 'stall' | 'fail' | 'corrupt';
  match?: { targetIncludes?: string; sourceIncludes?: string };
  /** For 'fail': the percentage at which it fails (default 0) and the error it reports. */
  atPercent?: number;
  errorCode?: string;
  errorMessage?: string;
  times?: number;
}

export type FaultRule = HttpFault | LatencyFault | UnreachableRegionFault | CopyFault;

export type OperationKind = 'read' | 'write' | 'delete';

export interface CallCount {
  principalId: string;
  subscriptionId: string;
  callerRegion: string;
  method: string;
  count: number;
}

export interface CopiesInFlight {
  subscriptionId: string;
  location: string;
  inFlightNow: number;
  maxInFlight: number;
}

export interface ArmDoubleStats {
  timeScale: number;
  /** The limits in force, and which of them a test overrode. */
  limits: ArmLimits;
  overriddenLimits: Partial<ArmLimits>;
  totalCalls: number;
  callsBy: CallCount[];
  /** 429s the double's own buckets answered (injected 429s are counted in `injectedFaults`). */
  throttled: number;
  throttledBy: { principalId: string; subscriptionId: string; kind: OperationKind; count: number }[];
  /** Calls that arrived while the caller's (or the subscription's) bucket was empty — 429'd when enforcing, answered when counting. */
  overBudget: number;
  injectedFaults: number;
  unauthenticated: number;
  copiesInFlight: CopiesInFlight[];
  /** Refusals by rule id (e.g. `disk.snapshot.rateWindow`). */
  refusals: Record<string, number>;
  /** Disks, NICs and VMs the double made and removed, and Compute's own PutVM throttling. */
  compute: ComputeStats;
}

export interface ComputeStats {
  disksCreated: number;
  disksDeleted: number;
  nicsCreated: number;
  nicsDeleted: number;
  vmsCreated: number;
  vmsDeleted: number;
  /** Every VM PUT Compute accepted for processing (creates and repeats). */
  vmPuts: number;
  /** 429s from Compute's PutVM policy (not ARM's buckets). */
  computeThrottled: number;
  /** The most VM PUTs accepted within one simulated minute, per (subscription, region). */
  maxVmPutsPerMinute: { subscriptionId: string; location: string; count: number }[];
}

/** A VM size for the resource-SKU catalogue (`seedVmSize` merges these fields over an existing entry of the same name). */
export interface SeedVmSize {
  name: string;
  /** Quota family, e.g. 'standardDSv5Family'. */
  family?: string;
  vCPUs?: number;
  memoryGB?: number;
  hyperVGenerations?: ('V1' | 'V2')[];
  diskControllerTypes?: ('SCSI' | 'NVMe')[];
  premiumIO?: boolean;
  trustedLaunch?: boolean;
  confidential?: boolean;
  /** Regions offering it; omitted: every region. */
  locations?: string[];
  zones?: string[];
  /** Not offered to a subscription (every one when omitted) in a region, or in some of its zones. */
  restrictions?: { location: string; zones?: string[]; subscriptionId?: string }[];
}

export type AllocationFailureCode =
  'AllocationFailed' | 'ZonalAllocationFailed' | 'OverconstrainedAllocationRequest';

/** The next `times` matching allocations fail with `code` (rule vm.allocation.failed). */
export interface CapacityFault {
  region: string;
  size?: string;
  zone?: string;
  code: AllocationFailureCode;
  times?: number;
}

/** Matching VMs stay in Creating: their PUT's LRO never ends (rule vm.provisioning.stuck). */
export interface StuckVmMatch {
  region?: string;
  size?: string;
  nameIncludes?: string;
  times?: number;
}

export interface SeedCapacityReservation {
  /** The capacity reservation group's ARM id, as VMs name it. */
  groupId: string;
  region: string;
  size: string;
  zone?: string;
  capacity: number;
}

export interface VmView {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  size: string;
  zone: string | undefined;
  provisioningState: string;
  /** The error that failed its last provisioning, if any. */
  error: { code: string; message: string } | undefined;
  agentReady: boolean;
  osDiskId: string;
  nicIds: string[];
  securityType: string | undefined;
  capacityReservationGroupId: string | undefined;
  tags: Record<string, string>;
  /** Sizes its PUTs asked for, in order. */
  sizesTried: string[];
  timeCreated: number;
  deleted: boolean;
}

export interface DiskView {
  id: string;
  name: string;
  location: string;
  zone: string | undefined;
  sourceResourceId: string | undefined;
  managedBy: string | undefined;
  securityType: string | undefined;
  hyperVGeneration: string;
  tags: Record<string, string>;
  deleted: boolean;
}

export interface NicView {
  id: string;
  name: string;
  location: string;
  subnetId: string;
  virtualMachineId: string | undefined;
  tags: Record<string, string>;
  deleted: boolean;
}

export interface SnapshotView {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  incremental: boolean;
  createOption: 'Copy' | 'CopyStart';
  sourceResourceId: string;
  /** The disk whose chain this snapshot belongs to. */
  diskId: string;
  completionPercent: number | undefined;
  copyCompletionError: { errorCode: string; errorMessage: string } | undefined;
  provisioningState: string;
  tags: Record<string, string>;
  /** 1, 2, 3… in the order the double accepted the PUTs that created them. */
  creationOrder: number;
  /** Simulated ms. */
  timeCreated: number;
  /** GiB a CopyStart moved (or is moving); undefined for a Copy. */
  copyGiB: number | undefined;
  deleted: boolean;
}

export interface ArmDouble {
  endpoint: string;
  ca: string;
  credential: TokenCredential;
  /** `callerRegion` (addition) is the region of the ARM instance the caller reaches; buckets are per region. */
  credentialFor(principalId: string, options?: { callerRegion?: string }): TokenCredential;
  clientOptions(): { endpoint: string; tlsOptions: { ca: string } };
  seedDisk(disk: SeedDisk): Promise<string>;
  writeToDisk(diskId: string, changedGiB: number): void;
  inject(rule: FaultRule): () => void;
  stats(): ArmDoubleStats;
  snapshots(): SnapshotView[];
  clock(): number;
  /** Addition: moves the simulated clock forward (copies progress, buckets refill, windows slide). */
  advance(simulatedMs: number): void;
  /** Compute and network (issue 29, COMPUTE_DOUBLE.md). */
  seedSubnet(subnetId: string, region: string): void;
  seedVmSize(size: SeedVmSize): void;
  setQuota(subscriptionId: string, region: string, family: string, cores: number): void;
  injectCapacity(fault: CapacityFault): () => void;
  stuckVm(match: StuckVmMatch): () => void;
  seedCapacityReservation(reservation: SeedCapacityReservation): void;
  vms(): VmView[];
  /** Disks made by PUT (not seeded ones). */
  disks(): DiskView[];
  nics(): NicView[];
  /** Azure Virtual Desktop, run commands and role assignments (issue 29, AVD_DOUBLE.md). */
  avd: AvdDouble;
  close(): Promise<void>;
}
