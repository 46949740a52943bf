/** Registering, importing, changing and listing a tenant's devices. */
import type { Device } from '../domain/device';
import { describeDisk, type DiskRef } from '../domain/disk';
import { usesCustomerManagedKey, type ManagedDiskFacts } from '../domain/managedDisk';
import { anyScopeContains } from '../domain/diskScope';
import { ConflictError, NotFoundError, RuleViolationError, UnavailableError } from '../domain/errors';
import type { Policy } from '../domain/policy';
import type { Tenant } from '../domain/tenant';
import { nextSlotStart, rpoMs } from '../domain/rpo';
import type { Clock } from '../ports/Clock';
import type { DeviceFilter, DeviceRegistry } from '../ports/DeviceRegistry';
import type { DiskSource } from '../ports/DiskSource';
import type { Page, PageRequest } from '../ports/Page';
import type { PolicyStore } from '../ports/PolicyStore';
import { mapConcurrently } from './mapConcurrently';
import type { TenantService } from './TenantService';

export interface DeviceInput {
  upn: string;
  primaryRegion: string;
  disk: DiskRef;
  policyId: string;
  priorityTier: number;
}

export interface ImportRow {
  /** Position in the request, so each result names its row. */
  index: number;
  id: string;
  input: DeviceInput;
}

export interface ImportResult {
  index: number;
  id: string;
  outcome: 'created' | 'failed';
  licensed?: boolean;
  errors?: { field: string; reason: string }[];
}

export interface DeviceServiceDependencies {
  devices: DeviceRegistry;
  policies: PolicyStore;
  tenants: TenantService;
  disks: DiskSource;
  knownRegions: ReadonlySet<string>;
  clock: Clock;
}

/** Imports check disks and write in parallel, this many rows at once. */
const importConcurrency = 16;

export class DeviceService {
  private readonly devices: DeviceRegistry;
  private readonly policies: PolicyStore;
  private readonly tenants: TenantService;
  private readonly disks: DiskSource;
  private readonly knownRegions: ReadonlySet<string>;
  private readonly clock: Clock;

  constructor(dependencies: DeviceServiceDependencies) {
    this.devices = dependencies.devices;
    this.policies = dependencies.policies;
    this.tenants = dependencies.tenants;
    this.disks = dependencies.disks;
    this.knownRegions = dependencies.knownRegions;
    this.clock = dependencies.clock;
  }

  async get(tenantId: string, id: string): Promise<Device> {
    const device = await this.devices.get(tenantId, id);
    if (!device) throw new NotFoundError(`Device ${id}`);
    return device;
  }

  async list(tenantId: string, filter: DeviceFilter, page: PageRequest): Promise<Page<Device>> {
    await this.tenants.get(tenantId);
    return await this.devices.list(tenantId, filter, page, this.clock.now());
  }

  /** Registers the device, or changes its registration when it exists. */
  async put(
    tenantId: string,
    id: string,
    input: DeviceInput,
    ifVersion?: string,
  ): Promise<{ device: Device; created: boolean }> {
    const existing = await this.devices.get(tenantId, id);
    if (existing) return { device: await this.change(existing, input, ifVersion), created: false };
    if (ifVersion)
      throw new ConflictError('precondition-failed', `Device ${id} does not exist, so If-Match cannot match`);
    return { device: await this.register(tenantId, id, input), created: true };
  }

  /** Registers a new device; beyond the tenant's licences it is stored but not protected. */
  async register(tenantId: string, id: string, input: DeviceInput): Promise<Device> {
    const tenant = await this.tenants.get(tenantId);
    const policy = await this.policyFor(tenantId, input.policyId, 'body.policyId');
    const facts = await this.check(tenant, input, policy, 'body.');
    return await this.devices.register(this.draft(tenantId, id, input, policy, facts), tenant.licences);
  }

  /** Changes a device's registration; its protection history and licence stay. */
  async update(tenantId: string, id: string, input: DeviceInput, ifVersion?: string): Promise<Device> {
    return await this.change(await this.get(tenantId, id), input, ifVersion);
  }

  private async change(current: Device, input: DeviceInput, ifVersion?: string): Promise<Device> {
    const { tenantId, id } = current;
    const [tenant, policy] = await Promise.all([
      this.tenants.get(tenantId),
      this.policyFor(tenantId, input.policyId, 'body.policyId'),
    ]);
    const facts = await this.check(tenant, input, policy, 'body.');
    const { nextDueAt } =
      current.policyId === policy.id && current.protection.rpoHours === policy.rpoHours
        ? current
        : this.draft(tenantId, id, input, policy);
    return await this.devices.update(
      {
        ...withoutFacts(current),
        ...input,
        ...(facts ? { diskFacts: facts } : {}),
        protection: { backupRegion: policy.backupRegion, rpoHours: policy.rpoHours, enabled: policy.enabled },
        nextDueAt,
        updatedAt: this.clock.now().toISOString(),
      },
      ifVersion ?? current.version,
    );
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.devices.remove(tenantId, id);
  }

  /**
   * Registers many devices: each row succeeds or fails on its own, and every failure names its
   * field and reason. Rows must already be well-formed and their ids distinct.
   */
  async import(tenantId: string, rows: readonly ImportRow[]): Promise<ImportResult[]> {
    const tenant = await this.tenants.get(tenantId);
    const policies = new Map((await this.policies.list(tenantId)).map((p) => [p.id, p]));
    return await mapConcurrently(
      rows,
      importConcurrency,
      async ({ index, id, input }): Promise<ImportResult> => {
        const prefix = `body.devices.${index}.`;
        try {
          const policy = policies.get(input.policyId);
          if (!policy)
            throw new RuleViolationError(
              'unknown-policy',
              `Policy ${input.policyId} does not exist`,
              `${prefix}policyId`,
            );
          const facts = await this.check(tenant, input, policy, prefix);
          const device = await this.devices.register(
            this.draft(tenantId, id, input, policy, facts),
            tenant.licences,
          );
          return { index, id, outcome: 'created', licensed: device.licensed };
        } catch (err) {
          if (err instanceof RuleViolationError)
            return { index, id, outcome: 'failed', errors: [{ field: err.field, reason: err.message }] };
          if (err instanceof ConflictError)
            return { index, id, outcome: 'failed', errors: [{ field: `${prefix}id`, reason: err.message }] };
          if (err instanceof UnavailableError)
            return {
              index,
              id,
              outcome: 'failed',
              errors: [{ field: `${prefix}primaryRegion`, reason: err.message }],
            };
          throw err;
        }
      },
    );
  }

  private async policyFor(tenantId: string, policyId: string, field: string): Promise<Policy> {
    const policy = await this.policies.get(tenantId, policyId);
    if (!policy) throw new RuleViolationError('unknown-policy', `Policy ${policyId} does not exist`, field);
    return policy;
  }

  /**
   * The rules a schema cannot express: known region, backup differs from primary, the disk is the
   * tenant's (inside its disk scopes) and exists. A disk outside the scopes gets one answer, made
   * before any storage call, so it tells nothing of what exists there.
   */
  private async check(
    tenant: Tenant,
    input: DeviceInput,
    policy: Policy,
    prefix: string,
  ): Promise<ManagedDiskFacts | undefined> {
    if (!this.knownRegions.has(input.primaryRegion)) {
      throw new RuleViolationError(
        'unknown-region',
        `Region "${input.primaryRegion}" is not one this deployment has storage for`,
        `${prefix}primaryRegion`,
      );
    }
    if (input.primaryRegion === policy.backupRegion) {
      throw new RuleViolationError(
        'backup-equals-primary',
        `Policy ${policy.id} keeps restore points in ${policy.backupRegion}, the device's own primary region; choose a policy with another backup region`,
        `${prefix}policyId`,
      );
    }
    if (!anyScopeContains(tenant.diskScopes, input.primaryRegion, input.disk)) {
      throw new RuleViolationError(
        'disk-not-in-scopes',
        `The disk is not in the tenant's disk scopes in ${input.primaryRegion}; a platform admin grants them`,
        `${prefix}disk`,
      );
    }
    if (input.disk.kind === 'managedDisk' && !tenant.backupResourceGroups?.[policy.backupRegion]?.length) {
      throw new RuleViolationError(
        'no-backup-resource-group',
        `The tenant names no resource group in ${policy.backupRegion} for the restore points of managed disks; a platform admin sets backupResourceGroups`,
        `${prefix}policyId`,
      );
    }
    let disk;
    try {
      disk = await this.disks.describe(input.primaryRegion, input.disk);
    } catch (err) {
      // The storage error's text may name other blobs or endpoints: the caller gets only what it
      // sent, which dependency did not answer, and when to try again. Nothing was written yet.
      const unavailable = err instanceof UnavailableError ? err : undefined;
      throw new UnavailableError(
        `The ${input.disk.kind === 'managedDisk' ? 'ARM' : 'storage'} of ${input.primaryRegion} could not be reached to check the disk; nothing was changed`,
        {
          dependency: unavailable?.dependency ?? `storage:${input.primaryRegion}`,
          retryAfterSeconds: unavailable?.retryAfterSeconds,
          cause: err,
        },
      );
    }
    if (!disk) {
      throw new RuleViolationError(
        'disk-not-found',
        `No disk ${describeDisk(input.disk)} in ${input.primaryRegion}`,
        `${prefix}disk`,
      );
    }
    if (input.disk.kind === 'managedDisk') {
      const facts = managedDiskFacts(input, disk, prefix);
      // Its copies need a disk encryption set in the backup region: refused now rather than
      // protected never (or copied with platform keys).
      if (
        usesCustomerManagedKey(facts.encryption) &&
        !tenant.backupDiskEncryptionSets?.[policy.backupRegion]?.length
      ) {
        throw new RuleViolationError(
          'no-disk-encryption-set',
          `${describeDisk(input.disk)} is encrypted with a customer-managed key (${facts.encryption.type ?? 'a disk encryption set'}) and the tenant names no disk encryption set in ${policy.backupRegion} for its copies; a platform admin sets backupDiskEncryptionSets`,
          `${prefix}disk`,
        );
      }
      return facts;
    }
    if (!disk.pageBlob) {
      throw new RuleViolationError(
        'disk-not-page-blob',
        `${describeDisk(input.disk)} in ${input.primaryRegion} is not a page-blob VHD`,
        `${prefix}disk`,
      );
    }
    return undefined;
  }

  private draft(
    tenantId: string,
    id: string,
    input: DeviceInput,
    policy: Policy,
    facts?: ManagedDiskFacts,
  ): Omit<Device, 'licensed' | 'version'> {
    const now = this.clock.now();
    return {
      id,
      tenantId,
      ...input,
      ...(facts ? { diskFacts: facts } : {}),
      protection: { backupRegion: policy.backupRegion, rpoHours: policy.rpoHours, enabled: policy.enabled },
      // The first point waits for the device's own slot, so a fleet registered at once is spread over the RPO window.
      nextDueAt: nextSlotStart(id, rpoMs(policy.rpoHours), now).toISOString(),
      announced: 'not-yet-protected',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
  }
}

/**
 * A managed disk is protected only as the OS disk of a VM in the device's primary region: what
 * ARM said of it becomes the facts recovery reads with the primary region gone.
 */
function managedDiskFacts(
  input: DeviceInput,
  disk: NonNullable<Awaited<ReturnType<DiskSource['describe']>>>,
  prefix: string,
): ManagedDiskFacts {
  const managed = disk.managedDisk;
  if (!managed || !managed.osDisk) {
    throw new RuleViolationError(
      'disk-not-os-disk',
      `${describeDisk(input.disk)} is not an OS disk; only OS disks are protected (data disks are not)`,
      `${prefix}disk`,
    );
  }
  if (disk.location !== input.primaryRegion) {
    throw new RuleViolationError(
      'disk-in-another-region',
      `${describeDisk(input.disk)} is in ${disk.location ?? 'an unknown region'}, not the device's primary region ${input.primaryRegion}`,
      `${prefix}disk`,
    );
  }
  const { osDisk: _osDisk, ...facts } = managed;
  return facts;
}

/** A device's registration without the facts of its old disk (a changed disk brings its own). */
function withoutFacts(device: Device): Device {
  const { diskFacts: _facts, ...rest } = device;
  return rest;
}
