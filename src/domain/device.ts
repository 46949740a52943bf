/** A Cloud PC under protection, with what the scheduler and the compliance report need to know of it. */
import type { DiskRef, DiskSnapshot } from './disk';
import type { ManagedDiskFacts } from './managedDisk';
import type { RestorePointKind } from './restorePoint';
import { complianceStatus, rpoMs, type ComplianceStatus, type RpoHours } from './rpo';

/** The policy's settings copied onto the device, so the scheduler's query needs no join. */
export interface DeviceProtection {
  backupRegion: string;
  rpoHours: RpoHours;
  enabled: boolean;
}

/** A restore point in progress: started, recorded, then checked (start–record–check). */
export interface PendingRestorePoint {
  takenAt: string;
  kind: RestorePointKind;
  snapshot: DiskSnapshot;
  attempt: number;
  startedAt: string;
  /**
   * The invocation working on it, until `leaseUntil` (wall-clock time). Duplicated messages for the
   * slot wait for the lease instead of racing the owner; an owner that crashed loses it when it ends.
   */
  owner: string | null;
  leaseUntil: string;
  /**
   * The newest message of the slot a worker has taken it up with (attempt, then check): an older
   * one still in the queue (a check a slot grant's wake-up overtook) is dropped, not run beside it.
   */
  step?: { attempt: number; check: number };
}

/** The compliance state last announced for the device: transitions are logged once each. */
export type AnnouncedCompliance = 'not-yet-protected' | 'protected' | 'at-risk' | 'breached';

/** The device's part in an activation: what a sign-in client tells its user. */
export interface DeviceRecovery {
  activationId: string;
  /** Being recovered (the user sees a warning), on a temporary device, or being released. */
  state: 'recovering' | 'active' | 'releasing';
  backupRegion: string;
  temporaryDevice?: string;
  /** Where the user connects to it: the DR host pool's session host assigned to them. */
  connection?: { hostPoolId: string; sessionHost: string };
  since: string;
}

/**
 * Why the device is not being protected although it is licensed and its policy is on: its disk lies
 * outside its tenant's disk scopes (a scope removed, or a device registered before scopes existed).
 * Set when a restore point is refused, cleared when one is taken again.
 */
export interface ProtectionBlock {
  reason: 'disk-not-in-scopes';
  since: string;
}

export interface Device {
  id: string;
  tenantId: string;
  upn: string;
  primaryRegion: string;
  disk: DiskRef;
  /** A managed disk's facts, read from ARM at registration: what recovery needs with the primary gone. */
  diskFacts?: ManagedDiskFacts;
  policyId: string;
  /** 1 is recovered first. */
  priorityTier: number;
  /** Whether the device holds one of the tenant's licences; unlicensed devices are stored, not protected. */
  licensed: boolean;
  protection: DeviceProtection;
  /** When the scheduler next takes a restore point of it. */
  nextDueAt: string;
  lastVerifiedAt?: string;
  lastRestorePoint?: string;
  announced: AnnouncedCompliance;
  pending?: PendingRestorePoint;
  protectionBlocked?: ProtectionBlock;
  /** Set while an activation holds the device: one activation at a time. */
  recovery?: DeviceRecovery;
  createdAt: string;
  updatedAt: string;
  version?: string;
}

export const deviceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The device's compliance status now, from its last verified point and its policy's settings. */
export function deviceStatus(device: Device, now: Date): ComplianceStatus {
  return complianceStatus({
    licensed: device.licensed,
    enabled: device.protection.enabled,
    rpoMs: rpoMs(device.protection.rpoHours),
    now,
    ...(device.lastVerifiedAt ? { lastVerifiedAt: new Date(device.lastVerifiedAt) } : {}),
  });
}
