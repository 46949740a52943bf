/**
 * What the restore-point worker reads of a device's tenant and policy: their documents, and where
 * a managed disk's copies go. Tenants and policies change rarely and every point of a fleet reads
 * them, so each is read once a while, not once per point; a change (an outage declared, a new
 * retention, a new backup group) applies within the TTL. Bounded: a process that serves many
 * tenants keeps the ones in use, not every one it has seen.
 */
import { BoundedCache, sharedRead } from '../domain/BoundedCache';
import type { Device } from '../domain/device';
import type { Policy } from '../domain/policy';
import type { Tenant } from '../domain/tenant';
import type { Clock } from '../ports/Clock';
import type { PolicyStore } from '../ports/PolicyStore';
import type { RestorePointTarget } from '../ports/RestorePointStore';
import type { TenantStore } from '../ports/TenantStore';

export type ManagedDiskPlacement = Pick<
  RestorePointTarget,
  'backupResourceGroups' | 'backupDiskEncryptionSets' | 'diskEncryption' | 'contentSampleEvery'
>;

export class ProtectionSettings {
  private readonly cache: BoundedCache<Promise<unknown>>;

  constructor(
    private readonly tenants: Pick<TenantStore, 'get'>,
    private readonly policies: Pick<PolicyStore, 'get'>,
    /** This process's own wall clock: how long a read is reused. */
    private readonly clock: Clock,
    options: { ttlInMs: number; maxEntries: number },
  ) {
    this.cache = new BoundedCache({ maxEntries: options.maxEntries, ttlInMs: options.ttlInMs });
  }

  tenant(tenantId: string): Promise<Tenant | undefined> {
    return this.cached(`tenant:${tenantId}`, () => this.tenants.get(tenantId));
  }

  policy(tenantId: string, policyId: string): Promise<Policy | undefined> {
    return this.cached(`policy:${tenantId}:${policyId}`, () => this.policies.get(tenantId, policyId));
  }

  /**
   * A managed disk's candidate resource groups and disk encryption sets in its backup region, from
   * the tenant, its recorded encryption, and its policy's content-check rate.
   */
  async placement(device: Device): Promise<ManagedDiskPlacement> {
    if (device.disk.kind !== 'managedDisk') return {};
    const [tenant, policy] = await Promise.all([
      this.tenant(device.tenantId),
      this.policy(device.tenantId, device.policyId),
    ]);
    const region = device.protection.backupRegion;
    return {
      backupResourceGroups: tenant?.backupResourceGroups?.[region] ?? [],
      backupDiskEncryptionSets: tenant?.backupDiskEncryptionSets?.[region] ?? [],
      ...(device.diskFacts ? { diskEncryption: device.diskFacts.encryption } : {}),
      ...(policy?.contentCheck ? { contentSampleEvery: policy.contentCheck.sampleEvery } : {}),
    };
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    return sharedRead(this.cache, key, this.clock.now().getTime(), read) as Promise<T>;
  }
}
