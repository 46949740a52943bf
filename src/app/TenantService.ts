/**
 * Tenants: the unit of isolation and licensing. The platform (DR.PlatformAdmin) creates a tenant
 * and sets its licences and disk scopes; the tenant's own admin changes its name and backup regions.
 */
import { armIdsEqual, subscriptionOfArmId } from '../domain/armId';
import { findDirectoryConflict } from '../domain/azureDirectory';
import {
  findOverlap,
  findSelfOverlap,
  isReservedContainer,
  managedScopesContain,
  type DiskScope,
  type DiskScopeClaim,
} from '../domain/diskScope';
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors';
import type { Tenant } from '../domain/tenant';
import type { Clock } from '../ports/Clock';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { TenantStore } from '../ports/TenantStore';

/** What the tenant's own DR.Admin may change. */
export interface TenantSettings {
  name: string;
  allowedBackupRegions: string[];
}

/** What only the platform sets: the settings, and the licences and disk scopes they come with. */
export interface TenantEntitlement extends TenantSettings {
  licences: number;
  diskScopes: DiskScope[];
  /** Per backup region, where the restore points of managed disks go (see `Tenant`). */
  backupResourceGroups?: Record<string, string[]>;
  /** Per backup region, the disk encryption sets of customer-managed-key copies (see `Tenant`). */
  backupDiskEncryptionSets?: Record<string, string[]>;
  /** The directory of its managed-disk subscriptions when not the deployment's own (see `Tenant`). */
  azureDirectoryId?: string;
}

/** What the deployment knows of Entra directories, for `azureDirectoryId`. */
export interface TenantDirectoryOptions {
  /** The deployment's own directory (`PLATFORM_TENANT_ID`), where its managed identity acts. */
  home: string;
  /**
   * Whether a multi-tenant app registration is configured (`CROSS_DIRECTORY_APP_CLIENT_ID`):
   * without one no other directory can be reached, so a tenant naming one is refused.
   */
  crossDirectoryApp: boolean;
}

export interface TenantServiceOptions {
  /** Regions this deployment has storage for; a backup region or a disk scope must be in one. */
  knownRegions: ReadonlySet<string>;
  /** The Durable task hub, whose containers no scope may name. */
  taskHub: string;
  clock: Clock;
  /** More licences hand themselves to devices waiting for one. */
  devices?: DeviceRegistry;
  /** Absent: no other directory can be reached, so `azureDirectoryId` is refused. */
  directories?: TenantDirectoryOptions;
}

export class TenantService {
  constructor(
    private readonly store: TenantStore,
    private readonly options: TenantServiceOptions,
  ) {}

  async get(id: string): Promise<Tenant> {
    const tenant = await this.store.get(id);
    if (!tenant) throw new NotFoundError(`Tenant ${id}`);
    return tenant;
  }

  /** Puts a primary region into outage mode (its scheduling pauses, its points are kept), or out of it. */
  async setRegionOutage(id: string, region: string, inOutage: boolean): Promise<void> {
    await this.store.setRegionOutage(id, region, inOutage);
  }

  /** The tenant's admin changes its own settings; a tenant that does not exist is the platform's to create. */
  async updateSettings(id: string, input: TenantSettings, ifVersion?: string): Promise<Tenant> {
    this.checkRegions(input.allowedBackupRegions);
    const existing = await this.get(id);
    const { version: _version, ...unversioned } = existing;
    return await this.store.replace(
      { ...unversioned, ...input, updatedAt: this.now() },
      ifVersion ?? existing.version,
    );
  }

  /**
   * The platform creates the tenant or replaces its entitlement. Disk scopes are claimed in the
   * registry before the tenant holds them and released only after it no longer does, so at every
   * moment a tenant's scopes are a subset of its claims, and claims never overlap another tenant's.
   */
  async putEntitlement(
    id: string,
    input: TenantEntitlement,
    ifVersion?: string,
  ): Promise<{ tenant: Tenant; created: boolean }> {
    this.checkRegions(input.allowedBackupRegions);
    this.checkScopes(input.diskScopes);
    this.checkBackupResourceGroups(input);
    this.checkBackupDiskEncryptionSets(input);
    const directory = this.checkDirectory(input.azureDirectoryId);
    const existing = await this.store.get(id);
    if (!existing && ifVersion)
      throw new ConflictError('precondition-failed', `Tenant ${id} does not exist, so If-Match cannot match`);
    // Refused before anything is claimed; the write below checks again against a change meanwhile.
    if (existing && ifVersion && ifVersion !== existing.version)
      throw new ConflictError(
        'precondition-failed',
        `Tenant ${id} was changed by someone else; read it again`,
      );

    const kept = existing?.diskScopes ?? [];
    const keptDirectory = existing?.azureDirectoryId;
    // The old and new scopes are claimed with the new directory: a tenant moving to another
    // directory is refused while another tenant shares one of its subscriptions in the old one.
    await this.claim(id, [...kept, ...input.diskScopes], directory);
    const timestamp = this.now();
    const { azureDirectoryId: _given, ...entitlement } = input;
    const withDirectory = directory ? { azureDirectoryId: directory } : {};
    let tenant: Tenant;
    try {
      if (!existing) {
        tenant = await this.store.create({
          id,
          ...entitlement,
          ...withDirectory,
          regionsInOutage: [],
          createdAt: timestamp,
          updatedAt: timestamp,
        });
      } else {
        // A PUT replaces the entitlement: a directory it leaves out is the deployment's own again.
        const { version: _version, azureDirectoryId: _old, ...unversioned } = existing;
        tenant = await this.store.replace(
          { ...unversioned, ...entitlement, ...withDirectory, updatedAt: timestamp },
          ifVersion ?? existing.version,
        );
      }
    } catch (err) {
      // Changed or created meanwhile: the claims go back to what the tenant holds.
      await this.claim(id, kept, keptDirectory);
      throw err;
    }
    try {
      await this.claim(id, input.diskScopes, directory);
    } catch (err) {
      // Only a claim written meanwhile in another region (Cosmos DB checks ETags within a region;
      // across regions the last writer wins) can overlap now: the tenant gives its new scopes back,
      // and its directory with them.
      const { version: _version, azureDirectoryId: _new, ...unversioned } = tenant;
      await this.store.replace({
        ...unversioned,
        diskScopes: kept,
        ...(keptDirectory ? { azureDirectoryId: keptDirectory } : {}),
      });
      throw err;
    }
    // More licences protect devices that were waiting for one; fewer take none away.
    if (existing && tenant.licences > existing.licences)
      await this.options.devices?.licenseWaiting(id, tenant.licences);
    return { tenant, created: !existing };
  }

  /**
   * Sets the tenant's claims to `scopes` in `directory`, refusing (409) any that overlaps another
   * tenant's, or lies in a subscription another tenant holds in another directory.
   */
  private async claim(
    tenantId: string,
    scopes: readonly DiskScope[],
    directory: string | undefined,
  ): Promise<void> {
    await this.store.updateDiskScopeClaims((claims): DiskScopeClaim[] => {
      const overlap = findOverlap(claims, tenantId, scopes);
      if (overlap) {
        throw new ConflictError(
          'disk-scope-overlap',
          `body.diskScopes: ${describeScope(scopes[overlap.index]!)} overlaps a disk scope of tenant ${overlap.tenantId}`,
        );
      }
      const conflict = findDirectoryConflict(claims, tenantId, scopes, directory);
      if (conflict) {
        throw new ConflictError(
          'directory-conflict',
          `body.azureDirectoryId: subscription ${conflict.subscription} (of ${describeScope(scopes[conflict.index]!)}) also holds disk scopes of tenant ${conflict.tenantId}, whose Azure directory is ${conflict.azureDirectoryId ?? "this deployment's own"}, not ${directory ?? "this deployment's own"}; a subscription belongs to one directory`,
        );
      }
      // In place, so claims that did not change compare equal and are not written again.
      const mine: DiskScopeClaim[] =
        scopes.length > 0
          ? [{ tenantId, scopes: dedupe(scopes), ...(directory ? { azureDirectoryId: directory } : {}) }]
          : [];
      const at = claims.findIndex((claim) => claim.tenantId === tenantId);
      return at < 0 ? [...claims, ...mine] : [...claims.slice(0, at), ...mine, ...claims.slice(at + 1)];
    });
  }

  /**
   * The directory, lower case, or undefined for the deployment's own. Its own id is refused rather
   * than kept: the managed identity acts there, and one spelling per directory keeps the
   * subscription check exact. Another directory needs the multi-tenant app to reach it.
   */
  private checkDirectory(azureDirectoryId: string | undefined): string | undefined {
    if (azureDirectoryId === undefined) return undefined;
    const directory = azureDirectoryId.toLowerCase();
    const field = 'body.azureDirectoryId';
    const options = this.options.directories;
    if (options && directory === options.home.toLowerCase()) {
      throw new RuleViolationError(
        'own-directory',
        `${directory} is this deployment's own directory (PLATFORM_TENANT_ID), where its managed identity acts: leave azureDirectoryId out`,
        field,
      );
    }
    if (!options?.crossDirectoryApp) {
      throw new RuleViolationError(
        'cross-directory-app-missing',
        `This deployment has no multi-tenant app registration (CROSS_DIRECTORY_APP_CLIENT_ID is unset), so it cannot reach directory ${directory}; docs/deploy.md, "Customers in other Entra tenants"`,
        field,
      );
    }
    return directory;
  }

  private checkRegions(regions: readonly string[]): void {
    regions.forEach((region, index) => this.checkRegion(region, `body.allowedBackupRegions.${index}`));
  }

  private checkRegion(region: string, field: string): void {
    if (!this.options.knownRegions.has(region)) {
      throw new RuleViolationError(
        'unknown-region',
        `Region "${region}" is not one this deployment has storage for (${[...this.options.knownRegions].join(', ')})`,
        field,
      );
    }
  }

  /**
   * Each backup resource group is in a known region and inside one of the tenant's managed-disk
   * scopes (so its restore points are covered by the same RBAC and scope checks as its disks), and
   * named once per region.
   */
  private checkBackupResourceGroups(input: TenantEntitlement): void {
    for (const [region, groups] of Object.entries(input.backupResourceGroups ?? {})) {
      this.checkRegion(region, `body.backupResourceGroups.${region}`);
      groups.forEach((group, index) => {
        const field = `body.backupResourceGroups.${region}.${index}`;
        if (!managedScopesContain(input.diskScopes, group)) {
          throw new RuleViolationError(
            'backup-group-not-in-scopes',
            `Resource group ${group} is not inside one of the tenant's managed-disk scopes`,
            field,
          );
        }
        if (groups.findIndex((other) => armIdsEqual(other, group)) !== index) {
          throw new RuleViolationError(
            'repeated-backup-group',
            `Resource group ${group} is named twice`,
            field,
          );
        }
      });
    }
  }

  /**
   * Each disk encryption set is in a known region and inside one of the tenant's managed-disk
   * scopes (the control plane references it in the copies it makes there), at most one per
   * subscription, and each subscription of the region's backup resource groups has one: a set
   * encrypts only snapshots of its own region and subscription (learn.microsoft.com,
   * "disks-enable-customer-managed-keys-portal"), so a device sharded into a subscription without
   * one could not be copied. That the set exists and really lies in the region is ARM's to say: a
   * copy naming a wrong one fails with ARM's reason.
   */
  private checkBackupDiskEncryptionSets(input: TenantEntitlement): void {
    for (const [region, sets] of Object.entries(input.backupDiskEncryptionSets ?? {})) {
      this.checkRegion(region, `body.backupDiskEncryptionSets.${region}`);
      const subscriptions = new Map<string | undefined, number>();
      sets.forEach((set, index) => {
        const field = `body.backupDiskEncryptionSets.${region}.${index}`;
        if (!managedScopesContain(input.diskScopes, set)) {
          throw new RuleViolationError(
            'encryption-set-not-in-scopes',
            `Disk encryption set ${set} is not inside one of the tenant's managed-disk scopes`,
            field,
          );
        }
        const subscription = subscriptionOfArmId(set);
        if (subscriptions.has(subscription)) {
          throw new RuleViolationError(
            'repeated-encryption-set-subscription',
            `Disk encryption sets ${subscriptions.get(subscription)} and ${index} are both in subscription ${subscription}; name one per subscription`,
            field,
          );
        }
        subscriptions.set(subscription, index);
      });
      for (const group of input.backupResourceGroups?.[region] ?? []) {
        const subscription = subscriptionOfArmId(group);
        if (!subscriptions.has(subscription)) {
          throw new RuleViolationError(
            'encryption-set-missing',
            `No disk encryption set in subscription ${subscription}, where backup resource group ${group} is: copies of customer-managed-key disks placed there could not be encrypted`,
            `body.backupDiskEncryptionSets.${region}`,
          );
        }
      }
    }
  }

  /** Each scope names a place of this deployment that is not the product's own, and names it once. */
  private checkScopes(scopes: readonly DiskScope[]): void {
    scopes.forEach((scope, index) => {
      if (scope.kind !== 'pageBlob') return;
      this.checkRegion(scope.region, `body.diskScopes.${index}.region`);
      if (isReservedContainer(scope.container, this.options.taskHub)) {
        throw new RuleViolationError(
          'reserved-container',
          `Container "${scope.container}" belongs to the control plane and cannot hold a tenant's disks`,
          `body.diskScopes.${index}.container`,
        );
      }
    });
    const pair = findSelfOverlap(scopes);
    if (pair) {
      throw new RuleViolationError(
        'overlapping-disk-scopes',
        `Disk scopes ${pair[0]} and ${pair[1]} overlap; name each place once`,
        `body.diskScopes.${pair[1]}`,
      );
    }
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}

function describeScope(scope: DiskScope): string {
  return scope.kind === 'pageBlob'
    ? `${scope.region}/${scope.container}/${scope.prefix ?? ''}`
    : scope.armScope;
}

/** The old and new scopes of a change, each once (a scope kept is in both). */
function dedupe(scopes: readonly DiskScope[]): DiskScope[] {
  const seen = new Set<string>();
  return scopes.filter((scope) => {
    const key = JSON.stringify(scope);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
