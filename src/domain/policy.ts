/** How a tenant protects a set of devices: where restore points go, how often, how long they are kept. */
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
  createdAt: string;
  updatedAt: string;
  version?: string;
}
