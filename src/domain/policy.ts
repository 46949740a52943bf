/** How a tenant protects a set of devices: where restore points go, how often, how long they are kept. */
import type { RecoverySettings } from './recoverySettings';
import type { RetentionPolicy } from './retention';
import type { RpoHours } from './rpo';

export interface Policy {
  id: string;
  tenantId: string;
  name: string;
  /** Must differ from each of its devices' primary regions and be allowed for the tenant. */
  backupRegion: string;
  rpoHours: RpoHours;
  retention: RetentionPolicy;
  enabled: boolean;
  /**
   * How often a managed disk's restore point also has its content compared with its source
   * (sampled ranges through short-lived read-only SAS of both snapshots: 4 ARM calls per compared
   * point, paced with the rest): 1 point in `sampleEvery`, chosen by (tenant, device, slot).
   * Absent: the deployment's `MANAGED_DISK_CONTENT_SAMPLE_EVERY`.
   */
  contentCheck?: ContentCheck;
  /** How its devices come up on Azure compute (subnets, sizes, host pool); unused by the simulated provider. */
  recovery?: RecoverySettings;
  createdAt: string;
  updatedAt: string;
  version?: string;
}

export interface ContentCheck {
  /** 1 compares every point; at most 10,000. */
  sampleEvery: number;
}
