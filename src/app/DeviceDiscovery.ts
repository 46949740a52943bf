/**
 * Device discovery: reads an Azure Virtual Desktop personal host pool inside the tenant's disk
 * scopes and registers or updates one device per session host (its assigned user, its VM's OS
 * disk), with a result per session host. Registration itself is DeviceService's, so a discovered
 * device meets every rule a typed one does.
 *
 * A page covers the pool's session hosts in name order, as many as fit in the request: ARM's read
 * budget (250 at once, then 25 a second per subscription) and a request's 10 s bound let about a
 * few hundred new hosts through per request, so a large pool is read over several requests, each
 * resuming after the last host the previous one covered. Re-running is harmless: a host whose
 * device already says the same is `unchanged` and costs one VM read, not a write.
 */
import { armIdsEqual, parseArmResourceId } from '../domain/armId';
import { deviceIdPattern, type Device } from '../domain/device';
import type { DiskRef } from '../domain/disk';
import { anyScopeContains, managedScopesContain } from '../domain/diskScope';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  RuleViolationError,
  UnavailableError,
  ensureErrorType,
} from '../domain/errors';
import type { Policy } from '../domain/policy';
import type { Tenant } from '../domain/tenant';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { HostPools, SessionHostInfo } from '../ports/HostPools';
import type { PolicyStore } from '../ports/PolicyStore';
import type { VirtualMachineReader } from '../ports/VirtualMachineReader';
import type { DeviceInput, DeviceService } from './DeviceService';
import { mapConcurrently } from './mapConcurrently';
import type { TenantService } from './TenantService';

export interface DiscoveryRequest {
  /** The AVD host pool's ARM id: `/subscriptions/…/providers/Microsoft.DesktopVirtualization/hostPools/{name}`. */
  hostPoolId: string;
  policyId: string;
  priorityTier: number;
  /** Put before each session host's computer name to make its device id. */
  idPrefix: string;
  /** At most this many session hosts in this page. */
  maxSessionHosts: number;
  /** Resume after this session host (by name, as the previous page said). */
  after?: string;
}

export type DiscoveryOutcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

export interface RowError {
  field: string;
  reason: string;
}

export interface DiscoveryRow {
  /** The session host's name in the pool. */
  sessionHost: string;
  /** The device id it is registered as; absent when none could be made from the name. */
  id?: string;
  outcome: DiscoveryOutcome;
  /** Whether the device holds a licence (created, updated, unchanged). */
  licensed?: boolean;
  /**
   * Why it failed or was skipped. Fields name the session host's facts (`sessionHost`,
   * `assignedUser`, `vmId`) or the device's (`id`, `disk`, `primaryRegion`, `policyId`).
   */
  errors?: RowError[];
}

export interface DiscoveryPage {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  /** One per session host this page covered, in name order. */
  results: DiscoveryRow[];
  /** The pool's session hosts in all. */
  sessionHosts: number;
  /** Set when hosts remain after this page: the last host it covered, to resume after. */
  resumeAfter?: string;
}

export interface DiscoveryOptions {
  /** How long the caller may still wait: no new session host is started with less than `rowReserveInMs` left. */
  timeLeftInMs?: () => number;
}

export interface DeviceDiscoveryDependencies {
  hostPools: HostPools;
  vms: VirtualMachineReader;
  devices: DeviceService;
  /** Reads the device a host maps to, to tell unchanged from updated without a write. */
  registry: DeviceRegistry;
  policies: PolicyStore;
  tenants: TenantService;
}

export interface DeviceDiscoverySettings {
  /** Session hosts worked on at once, as the import does (ARM's pacer decides how fast they go). */
  concurrency?: number;
  /**
   * The time a session host may take (a VM read, a disk and VM read, a read and a write of the
   * device): none is started with less than this left, so a page ends before the request's bound
   * instead of failing hosts midway. Default 2 s.
   */
  rowReserveInMs?: number;
}

/**
 * What the device schema accepts as a UPN (`deviceBody.upn`, `withoutHiddenCharacters`): AVD's
 * value is checked the same way. Line and paragraph separators are `\s`, refused by the pattern.
 */
const upnPattern = /^[^@\s]+@[^@\s]+$/;
const hiddenCharacters = /[\p{Cc}\p{Cf}\p{Cs}]/u;

export class DeviceDiscovery {
  private readonly concurrency: number;
  private readonly rowReserveInMs: number;

  constructor(
    private readonly dependencies: DeviceDiscoveryDependencies,
    settings: DeviceDiscoverySettings = {},
  ) {
    this.concurrency = settings.concurrency ?? 16;
    this.rowReserveInMs = settings.rowReserveInMs ?? 2_000;
  }

  async discover(
    tenantId: string,
    request: DiscoveryRequest,
    options: DiscoveryOptions = {},
  ): Promise<DiscoveryPage> {
    const { tenant, policy } = await this.checkRequest(tenantId, request);
    const hosts = await this.sessionHostsOf(request.hostPoolId);
    const ids = deviceIds(hosts, request.idPrefix);
    const remaining = hosts.filter(
      (h) => request.after === undefined || nameKey(h.name) > nameKey(request.after),
    );
    const candidates = remaining.slice(0, request.maxSessionHosts);
    const { timeLeftInMs } = options;
    const results = await mapConcurrently(
      candidates,
      this.concurrency,
      async (host) => await this.discoverOne(tenant, policy, request, host, ids.get(host.name)!),
      // Unbounded without a deadline; with one, no host starts without time left to finish.
      timeLeftInMs ? () => timeLeftInMs() < this.rowReserveInMs : undefined,
    );
    const covered = results.length;
    const page: DiscoveryPage = {
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      results,
      sessionHosts: hosts.length,
    };
    for (const row of results) page[row.outcome] += 1;
    if (covered < remaining.length) {
      // Not even one host fitted: the caller learns that it must come back, not that the pool is empty.
      if (covered === 0)
        throw new UnavailableError('No time was left in this request to read a session host; ask again', {
          dependency: 'arm',
          retryAfterSeconds: 5,
        });
      page.resumeAfter = results[covered - 1]!.sessionHost;
    }
    return page;
  }

  /**
   * What refuses the whole request, before any session host is read: the pool must lie in the
   * tenant's managed-disk scopes (checked before any ARM call, so naming another tenant's pool
   * tells nothing of it), the policy must exist and have somewhere to keep managed disks' points,
   * and the pool must be a personal one.
   */
  private async checkRequest(
    tenantId: string,
    request: DiscoveryRequest,
  ): Promise<{ tenant: Tenant; policy: Policy }> {
    const { tenants, policies, hostPools } = this.dependencies;
    const tenant = await tenants.get(tenantId);
    if (!managedScopesContain(tenant.diskScopes, request.hostPoolId))
      throw new RuleViolationError(
        'host-pool-not-in-scopes',
        "The host pool is not in the tenant's managed-disk scopes; a platform admin grants them",
        'body.hostPoolId',
      );
    const policy = await policies.get(tenantId, request.policyId);
    if (!policy)
      throw new RuleViolationError(
        'unknown-policy',
        `Policy ${request.policyId} does not exist`,
        'body.policyId',
      );
    // Every device would fail on it (DeviceService's rule for managed disks): said once, up front.
    if (!tenant.backupResourceGroups?.[policy.backupRegion]?.length)
      throw new RuleViolationError(
        'no-backup-resource-group',
        `The tenant names no resource group in ${policy.backupRegion} for the restore points of managed disks; a platform admin sets backupResourceGroups`,
        'body.policyId',
      );
    const pool = await avd(() => hostPools.getHostPool(request.hostPoolId));
    if (!pool) throw new RuleViolationError('host-pool-not-found', 'No such host pool', 'body.hostPoolId');
    if (pool.hostPoolType.toLowerCase() !== 'personal')
      throw new RuleViolationError(
        'host-pool-not-personal',
        `The host pool is ${pool.hostPoolType}: only a personal pool gives each user a desktop of their own to protect`,
        'body.hostPoolId',
      );
    return { tenant, policy };
  }

  /** Every session host of the pool, in name order: the order pages follow. */
  private async sessionHostsOf(hostPoolId: string): Promise<SessionHostInfo[]> {
    const hosts = await avd(async () => {
      const listed: SessionHostInfo[] = [];
      for await (const host of this.dependencies.hostPools.listSessionHosts(hostPoolId)) listed.push(host);
      return listed;
    });
    return hosts.sort((a, b) =>
      nameKey(a.name) < nameKey(b.name) ? -1 : nameKey(a.name) > nameKey(b.name) ? 1 : 0,
    );
  }

  private async discoverOne(
    tenant: Tenant,
    policy: Policy,
    request: DiscoveryRequest,
    host: SessionHostInfo,
    id: string | RowError,
  ): Promise<DiscoveryRow> {
    const sessionHost = host.name;
    if (typeof id !== 'string') return { sessionHost, outcome: 'failed', errors: [id] };
    const refused = (outcome: 'skipped' | 'failed', field: string, reason: string): DiscoveryRow => ({
      sessionHost,
      id,
      outcome,
      errors: [{ field, reason }],
    });
    const failed = (field: string, reason: string) => refused('failed', field, reason);
    // A device is a user's desktop: without a user there is nothing to recover for anyone yet.
    if (!host.assignedUser)
      return refused(
        'skipped',
        'assignedUser',
        'The session host has no assigned user, so no device is registered for it; discover again once a user is assigned (a device already registered under this id is left as it is)',
      );
    const upn = host.assignedUser.trim();
    if (upn.length < 3 || upn.length > 256 || !upnPattern.test(upn) || hiddenCharacters.test(upn))
      return failed('assignedUser', `"${upn}" is not a user principal name`);
    if (!host.vmId) return failed('vmId', 'AVD names no virtual machine for the session host');
    const vmRef = parseArmResourceId(host.vmId);
    if (!vmRef || vmRef.type.toLowerCase() !== 'microsoft.compute/virtualmachines')
      return failed('vmId', `"${host.vmId}" is not a virtual machine's ARM id`);
    // Before any ARM call: a VM outside the scopes is not the tenant's to read.
    if (!managedScopesContain(tenant.diskScopes, host.vmId))
      return failed(
        'vmId',
        "The session host's virtual machine is not in the tenant's managed-disk scopes; a platform admin grants them",
      );
    let vm;
    try {
      vm = await this.dependencies.vms.get(host.vmId);
    } catch (err) {
      if (err instanceof UnavailableError) return failed('vmId', `${err.message}; discover again later`);
      throw err;
    }
    if (!vm) return failed('vmId', `Virtual machine ${host.vmId} does not exist`);
    if (!vm.osDiskId) return failed('disk', 'The virtual machine boots from no managed disk');
    const disk: DiskRef = { kind: 'managedDisk', armId: vm.osDiskId };
    if (!anyScopeContains(tenant.diskScopes, vm.location, disk))
      return failed(
        'disk',
        `The VM's OS disk ${vm.osDiskId} is not in the tenant's disk scopes; a platform admin grants them`,
      );
    const input: DeviceInput = {
      upn,
      primaryRegion: vm.location,
      disk,
      policyId: policy.id,
      priorityTier: request.priorityTier,
    };
    const { registry, devices } = this.dependencies;
    try {
      const existing = await registry.get(tenant.id, id);
      if (existing && sameRegistration(existing, input))
        return { sessionHost, id, outcome: 'unchanged', licensed: existing.licensed };
      const device = existing
        ? await devices.update(tenant.id, id, input, existing.version)
        : await devices.register(tenant.id, id, input);
      return { sessionHost, id, outcome: existing ? 'updated' : 'created', licensed: device.licensed };
    } catch (err) {
      // DeviceService names fields of a device body (`body.disk`): here they are the row's.
      if (err instanceof RuleViolationError) return failed(err.field.replace(/^body\./, ''), err.message);
      if (err instanceof ConflictError || err instanceof NotFoundError)
        return failed('id', `${err.message}; discover again to retry`);
      if (err instanceof UnavailableError) return failed('disk', `${err.message}; discover again later`);
      throw err;
    }
  }
}

/**
 * A call to AVD: a failure that is not already one of ours is AVD (or ARM) not answering, so the
 * caller gets a 503 naming it rather than a 500, and can ask again; its own text stays the cause.
 */
async function avd<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new UnavailableError(`Azure Virtual Desktop did not answer: ${ensureErrorType(err).message}`, {
      dependency: 'arm',
      cause: err,
    });
  }
}

/** Session host names compare as DNS names do: without regard to case. */
function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Each host's device id: the prefix and its computer name (the first label of the session host's
 * name, lower-case). Stable across discoveries, so a second one updates the same devices instead
 * of adding new ones. Hosts of one pool whose names give the same id fail both: neither may take
 * the other's device.
 */
function deviceIds(hosts: readonly SessionHostInfo[], prefix: string): Map<string, string | RowError> {
  const byId = new Map<string, string[]>();
  const ids = new Map<string, string | RowError>();
  for (const host of hosts) {
    const id = `${prefix}${host.name.split('.')[0]!.toLowerCase()}`;
    if (!deviceIdPattern.test(id)) {
      ids.set(host.name, {
        field: 'sessionHost',
        reason: `"${id}", made from the session host's name, is not a device id (1-64 letters, digits, dots, dashes or underscores)`,
      });
      continue;
    }
    ids.set(host.name, id);
    byId.set(id, [...(byId.get(id) ?? []), host.name]);
  }
  for (const [id, names] of byId) {
    if (names.length < 2) continue;
    for (const name of names)
      ids.set(name, {
        field: 'sessionHost',
        reason: `Session hosts ${names.join(', ')} would all be device ${id}; give them distinct computer names`,
      });
  }
  return ids;
}

/** Whether the device already says what discovery found: nothing to write. */
function sameRegistration(device: Device, input: DeviceInput): boolean {
  return (
    device.upn === input.upn &&
    device.primaryRegion === input.primaryRegion &&
    device.policyId === input.policyId &&
    device.priorityTier === input.priorityTier &&
    device.disk.kind === 'managedDisk' &&
    input.disk.kind === 'managedDisk' &&
    armIdsEqual(device.disk.armId, input.disk.armId)
  );
}
