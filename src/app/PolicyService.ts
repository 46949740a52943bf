/** Protection policies: where a tenant's restore points go, how often, and how long they stay. */
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors';
import type { ContentCheck, Policy } from '../domain/policy';
import type { RetentionPolicy } from '../domain/retention';
import { managedScopesContain } from '../domain/diskScope';
import { subscriptionOfArmId } from '../domain/armId';
import { recoverySettingsProblems, type RecoverySettings } from '../domain/recoverySettings';
import type { RpoHours } from '../domain/rpo';
import type { Tenant } from '../domain/tenant';
import type { Clock } from '../ports/Clock';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { PolicyStore } from '../ports/PolicyStore';
import type { TenantService } from './TenantService';

export interface PolicyInput {
  name: string;
  backupRegion: string;
  rpoHours: RpoHours;
  retention: RetentionPolicy;
  enabled: boolean;
  /** Absent: the deployment's default rate. */
  contentCheck?: ContentCheck;
  recovery?: RecoverySettings;
}

export class PolicyService {
  constructor(
    private readonly policies: PolicyStore,
    private readonly devices: DeviceRegistry,
    private readonly tenants: TenantService,
    private readonly knownRegions: ReadonlySet<string>,
    private readonly clock: Clock,
  ) {}

  async get(tenantId: string, id: string): Promise<Policy> {
    const policy = await this.policies.get(tenantId, id);
    if (!policy) throw new NotFoundError(`Policy ${id}`);
    return policy;
  }

  async list(tenantId: string): Promise<Policy[]> {
    await this.tenants.get(tenantId);
    return await this.policies.list(tenantId);
  }

  /**
   * Creates the policy or replaces it. A changed backup region must not be the primary region of
   * any device under the policy; changed settings are copied onto its devices.
   */
  async put(
    tenantId: string,
    id: string,
    input: PolicyInput,
    ifVersion?: string,
  ): Promise<{ policy: Policy; created: boolean }> {
    const tenant = await this.tenants.get(tenantId);
    this.checkBackupRegion(tenant, input.backupRegion);
    if (input.recovery) checkRecovery(tenant, input.backupRegion, input.recovery);
    const now = this.clock.now().toISOString();
    const existing = await this.policies.get(tenantId, id);
    if (!existing) {
      if (ifVersion)
        throw new ConflictError(
          'precondition-failed',
          `Policy ${id} does not exist, so If-Match cannot match`,
        );
      const policy = await this.policies.create({ id, tenantId, ...input, createdAt: now, updatedAt: now });
      return { policy, created: true };
    }
    if (existing.backupRegion !== input.backupRegion) {
      const clashing = await this.devices.countByPolicy(tenantId, id, input.backupRegion);
      if (clashing > 0) {
        throw new RuleViolationError(
          'backup-equals-primary',
          `${clashing} device(s) under this policy have ${input.backupRegion} as their primary region; it cannot be their backup region`,
          'body.backupRegion',
        );
      }
    }
    // A PUT replaces: a content check left out of the request goes back to the deployment's default,
    // recovery settings left out are gone.
    const { version: _version, contentCheck: _contentCheck, recovery: _recovery, ...unversioned } = existing;
    const policy = await this.policies.replace(
      { ...unversioned, ...input, updatedAt: now },
      ifVersion ?? existing.version,
    );
    if (
      existing.backupRegion !== policy.backupRegion ||
      existing.rpoHours !== policy.rpoHours ||
      existing.enabled !== policy.enabled
    ) {
      await this.devices.applyProtection(
        tenantId,
        id,
        { backupRegion: policy.backupRegion, rpoHours: policy.rpoHours, enabled: policy.enabled },
        // A new RPO moves each device's next point into its slot of the new window.
        existing.rpoHours !== policy.rpoHours ? this.clock.now() : undefined,
      );
    }
    return { policy, created: false };
  }

  /** Refused while devices use the policy: they would be left without protection settings. */
  async remove(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    const count = await this.devices.countByPolicy(tenantId, id);
    if (count > 0)
      throw new ConflictError(
        'policy-in-use',
        `Policy ${id} still protects ${count} device(s); move or remove them first`,
      );
    await this.policies.remove(tenantId, id);
  }

  private checkBackupRegion(tenant: Tenant, region: string): void {
    if (!this.knownRegions.has(region)) {
      throw new RuleViolationError(
        'unknown-region',
        `Region "${region}" is not one this deployment has storage for`,
        'body.backupRegion',
      );
    }
    if (!tenant.allowedBackupRegions.includes(region)) {
      throw new RuleViolationError(
        'region-not-allowed',
        `Tenant ${tenant.id} does not allow restore points in "${region}" (allowed: ${tenant.allowedBackupRegions.join(', ')})`,
        'body.backupRegion',
      );
    }
  }
}

/** The first rule the recovery settings break, as a 400 naming its field. */
function checkRecovery(tenant: Tenant, backupRegion: string, recovery: RecoverySettings): void {
  const [problem] = recoverySettingsProblems(recovery, {
    inScopes: (id) => managedScopesContain(tenant.diskScopes ?? [], id),
    backupSubscriptions: (tenant.backupResourceGroups?.[backupRegion] ?? []).flatMap(
      (group) => subscriptionOfArmId(group) ?? [],
    ),
  });
  if (problem) throw new RuleViolationError(problem.code, problem.reason, problem.field);
}
