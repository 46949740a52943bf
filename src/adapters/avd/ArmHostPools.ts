/**
 * The HostPools port on Azure Resource Manager (`@azure/arm-desktopvirtualization`,
 * `@azure/arm-authorization`). Two things are shared so a fleet recovering at once costs ARM little:
 * - one listing of a pool, kept `listingTtlInMs` (10 s) and shared by concurrent callers, answers
 *   every `findSessionHostByVm` (300 devices checking their registration list the pool once, not
 *   300 times; a per-VM filter does not exist in the API);
 * - the pool's registration token, kept until `tokenRenewBeforeInMs` before it expires. It is read
 *   with POST retrieveRegistrationToken (GET no longer returns it) and renewed with a PATCH of
 *   `registrationInfo` (`Update`) only when missing or near expiry, because a renewal may stop the
 *   previous token working for hosts still registering with it.
 * Failures keep ARM's code and message (`armCodeOf`); a pool that does not exist is `undefined`.
 */
import {
  getContinuationToken,
  type DesktopVirtualizationAPIClient,
  type SessionHost,
} from '@azure/arm-desktopvirtualization';
import type { Clock } from '../../ports/Clock';
import { systemClock } from '../../ports/Clock';
import type { HostPoolInfo, HostPools, SessionHostInfo } from '../../ports/HostPools';
import { armCodeOf, armMessageOf, armStatusOf, isArmNotFound } from '../arm/armErrors';
import type { AvdClients } from './createAvdClients';

/** Built-in role "Desktop Virtualization User" (learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
export const DESKTOP_VIRTUALIZATION_USER_ROLE = '1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63';

export interface ArmHostPoolsOptions {
  clock?: Clock;
  /** How long one listing of a pool answers `findSessionHostByVm` (default 10 s). */
  listingTtlInMs?: number;
  /** How long a new registration token is asked to live (default 24 h; AVD takes 1 hour to 27 days). */
  tokenValidityInMs?: number;
  /** A token with less than this left is renewed (default 2 h: a VM still booting must find it valid). */
  tokenRenewBeforeInMs?: number;
}

interface ResourceRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const POOL_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DesktopVirtualization\/hostPools\/([^/]+)$/i;
const SUBSCRIPTION = /^\/subscriptions\/([^/]+)\//i;
/** A walk of a pool that keeps changing gives up after this many page reads (the caller retries). */
const maxWalkRequests = 200;

function poolRef(hostPoolId: string): ResourceRef {
  const m = POOL_ID.exec(hostPoolId);
  if (!m) throw new TypeError(`Not a host pool id: ${hostPoolId}`);
  return { subscriptionId: m[1] as string, resourceGroup: m[2] as string, name: m[3] as string };
}

/** The failure with ARM's status, code and message kept, and what was being done named. */
export class HostPoolsError extends Error {
  readonly statusCode: number | undefined;
  readonly code: string | undefined;

  constructor(doing: string, err: unknown) {
    const code = armCodeOf(err);
    super(`${doing}: ${code ? `${code}: ` : ''}${armMessageOf(err)}`, { cause: err });
    this.name = 'HostPoolsError';
    this.statusCode = armStatusOf(err);
    this.code = code;
  }
}

/** A scope contains another when it is the same or one of its ancestors (ARM ids compare without case). */
function scopeContains(outer: string, inner: string): boolean {
  const o = `/${outer.replace(/^\/+|\/+$/g, '')}`.toLowerCase();
  const i = `/${inner.replace(/^\/+|\/+$/g, '')}`.toLowerCase();
  return o === '/' || i === o || i.startsWith(`${o}/`);
}

function sessionHostInfo(hostPoolId: string, host: SessionHost): SessionHostInfo {
  // A session host's resource name is "<pool>/<host>" (REST example SessionHost_Get.json).
  const full = host.name ?? '';
  return {
    hostPoolId,
    name: full.slice(full.lastIndexOf('/') + 1),
    ...(host.resourceId ? { vmId: host.resourceId } : {}),
    ...(host.assignedUser ? { assignedUser: host.assignedUser } : {}),
    ...(host.status ? { status: host.status } : {}),
  };
}

interface Listing {
  startedAtMs: number;
  /** Session hosts by VM id (lower-cased), or undefined when the pool does not exist. */
  byVm: Promise<Map<string, SessionHostInfo> | undefined>;
}

export class ArmHostPools implements HostPools {
  private readonly clock: Clock;
  private readonly listingTtlInMs: number;
  private readonly tokenValidityInMs: number;
  private readonly tokenRenewBeforeInMs: number;
  private readonly listings = new Map<string, Listing>();
  private readonly tokens = new Map<string, { token: string; expiresAtMs: number }>();
  private readonly renewing = new Map<string, Promise<string>>();

  constructor(
    private readonly clients: AvdClients,
    options: ArmHostPoolsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.listingTtlInMs = options.listingTtlInMs ?? 10_000;
    this.tokenValidityInMs = options.tokenValidityInMs ?? 24 * 3_600_000;
    this.tokenRenewBeforeInMs = options.tokenRenewBeforeInMs ?? 2 * 3_600_000;
    if (this.tokenValidityInMs <= this.tokenRenewBeforeInMs)
      throw new RangeError('tokenValidityInMs must exceed tokenRenewBeforeInMs');
  }

  async getHostPool(hostPoolId: string): Promise<HostPoolInfo | undefined> {
    const ref = poolRef(hostPoolId);
    try {
      const pool = await this.client(ref).hostPools.get(ref.resourceGroup, ref.name);
      return {
        id: pool.id ?? hostPoolId,
        location: pool.location ?? '',
        hostPoolType: pool.hostPoolType,
        ...(pool.personalDesktopAssignmentType
          ? { personalDesktopAssignmentType: pool.personalDesktopAssignmentType }
          : {}),
      };
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      throw new HostPoolsError(`Reading host pool ${hostPoolId}`, err);
    }
  }

  async registrationToken(hostPoolId: string, options: { refresh?: boolean } = {}): Promise<string> {
    const key = hostPoolId.toLowerCase();
    const cached = this.tokens.get(key);
    if (cached && !options.refresh && this.lastsLongEnough(cached.expiresAtMs)) return cached.token;
    // Concurrent callers of one process wait for one read (and at most one renewal).
    let pending = this.renewing.get(key);
    if (!pending) {
      pending = this.fetchToken(hostPoolId).finally(() => this.renewing.delete(key));
      this.renewing.set(key, pending);
    }
    return await pending;
  }

  async *listSessionHosts(hostPoolId: string): AsyncIterable<SessionHostInfo> {
    const ref = poolRef(hostPoolId);
    try {
      for await (const page of this.client(ref).sessionHosts.list(ref.resourceGroup, ref.name).byPage())
        for (const host of page) yield sessionHostInfo(hostPoolId, host);
    } catch (err) {
      throw new HostPoolsError(`Listing the session hosts of ${hostPoolId}`, err);
    }
  }

  async findSessionHostByVm(
    hostPoolId: string,
    vmId: string,
    options: { fresh?: boolean } = {},
  ): Promise<SessionHostInfo | undefined> {
    const byVm = await this.listing(hostPoolId, options.fresh ? this.clock.now().getTime() : undefined);
    return byVm?.get(vmId.toLowerCase());
  }

  async assignUser(hostPoolId: string, sessionHostName: string, upn: string): Promise<void> {
    const ref = poolRef(hostPoolId);
    try {
      // No force: the same user again is a no-op for AVD; another user's host is an error to see.
      const host = await this.client(ref).sessionHosts.update(ref.resourceGroup, ref.name, sessionHostName, {
        sessionHost: { assignedUser: upn },
      });
      this.remember(hostPoolId, sessionHostInfo(hostPoolId, host));
    } catch (err) {
      throw new HostPoolsError(`Assigning ${upn} to session host ${sessionHostName} of ${hostPoolId}`, err);
    }
  }

  async removeSessionHost(hostPoolId: string, sessionHostName: string): Promise<void> {
    const ref = poolRef(hostPoolId);
    try {
      // force: the record is of a recovered VM the product is deleting; a session left on it ends with the VM.
      await this.client(ref).sessionHosts.delete(ref.resourceGroup, ref.name, sessionHostName, {
        force: true,
      });
    } catch (err) {
      if (!isArmNotFound(err))
        throw new HostPoolsError(`Removing session host ${sessionHostName} of ${hostPoolId}`, err);
    }
    this.forget(hostPoolId, sessionHostName);
  }

  /**
   * Whether the group holds Desktop Virtualization User on the application group or a scope above
   * it: one list at the group's scope filtered to the principal ("at, above or below the scope",
   * Role Assignments - List For Scope), keeping those at or above. Callers cache the answer.
   */
  async isGroupAssigned(applicationGroupId: string, groupObjectId: string): Promise<boolean> {
    const subscriptionId = SUBSCRIPTION.exec(applicationGroupId)?.[1];
    if (!subscriptionId) throw new TypeError(`Not an application group id: ${applicationGroupId}`);
    const client = this.clients.authorizationFor(subscriptionId);
    try {
      // The SDK puts the scope after a "/" of its own.
      const scope = applicationGroupId.replace(/^\/+/, '');
      for await (const assignment of client.roleAssignments.listForScope(scope, {
        filter: `principalId eq '${groupObjectId}'`,
      })) {
        const role = assignment.roleDefinitionId?.split('/').pop()?.toLowerCase();
        if (
          role === DESKTOP_VIRTUALIZATION_USER_ROLE &&
          assignment.principalId?.toLowerCase() === groupObjectId.toLowerCase() &&
          assignment.scope !== undefined &&
          scopeContains(assignment.scope, applicationGroupId)
        )
          return true;
      }
      return false;
    } catch (err) {
      throw new HostPoolsError(`Listing role assignments of ${groupObjectId} on ${applicationGroupId}`, err);
    }
  }

  private client(ref: ResourceRef): DesktopVirtualizationAPIClient {
    return this.clients.desktopVirtualization(ref.subscriptionId);
  }

  private lastsLongEnough(expiresAtMs: number): boolean {
    return expiresAtMs - this.clock.now().getTime() > this.tokenRenewBeforeInMs;
  }

  /** Reads the pool's token; renews it (PATCH, then read again) when it is missing or near expiry. */
  private async fetchToken(hostPoolId: string): Promise<string> {
    const ref = poolRef(hostPoolId);
    const client = this.client(ref);
    const read = async (): Promise<{ token: string; expiresAtMs: number } | undefined> => {
      const info = await client.hostPools.retrieveRegistrationToken(ref.resourceGroup, ref.name);
      return info.token && info.expirationTime
        ? { token: info.token, expiresAtMs: info.expirationTime.getTime() }
        : undefined;
    };
    try {
      let current = await read();
      if (!current || !this.lastsLongEnough(current.expiresAtMs)) {
        const expirationTime = new Date(this.clock.now().getTime() + this.tokenValidityInMs);
        await client.hostPools.update(ref.resourceGroup, ref.name, {
          hostPool: { registrationInfo: { expirationTime, registrationTokenOperation: 'Update' } },
        });
        current = await read();
      }
      if (!current) throw new Error('the host pool answered no registration token after renewing it');
      this.tokens.set(hostPoolId.toLowerCase(), current);
      return current.token;
    } catch (err) {
      throw new HostPoolsError(`Getting a registration token of ${hostPoolId}`, err);
    }
  }

  /** The pool's current listing (started at most `listingTtlInMs` ago), shared by every caller. */
  /** The pool's listing, shared while it is younger than the TTL and started no earlier than `notBeforeMs`. */
  private listing(
    hostPoolId: string,
    notBeforeMs?: number,
  ): Promise<Map<string, SessionHostInfo> | undefined> {
    const key = hostPoolId.toLowerCase();
    const now = this.clock.now().getTime();
    const held = this.listings.get(key);
    if (
      held &&
      now - held.startedAtMs < this.listingTtlInMs &&
      held.startedAtMs >= (notBeforeMs ?? -Infinity)
    )
      return held.byVm;
    const byVm = this.list(hostPoolId);
    const listing: Listing = { startedAtMs: now, byVm };
    this.listings.set(key, listing);
    // A failed listing is not kept: the next caller lists again.
    byVm.catch(() => {
      if (this.listings.get(key) === listing) this.listings.delete(key);
    });
    return byVm;
  }

  private async list(hostPoolId: string): Promise<Map<string, SessionHostInfo> | undefined> {
    const byVm = new Map<string, SessionHostInfo>();
    try {
      for (const host of await this.walk(hostPoolId)) if (host.vmId) byVm.set(host.vmId.toLowerCase(), host);
    } catch (err) {
      if (err instanceof HostPoolsError && err.statusCode === 404) return undefined;
      throw err;
    }
    return byVm;
  }

  /**
   * Every session host of the pool that exists for the whole walk, even while other callers
   * delete hosts. The list pages by position (`pageSize`, `initialSkip`: "Session Hosts - List",
   * SessionHostCollection.GetAll on learn.microsoft.com/dotnet/api/azure.resourcemanager.
   * desktopvirtualization.sessionhostcollection.getall), so
   * following nextLink misses a host whenever a host before the page boundary is deleted between
   * two pages: the rest move back one place, into the page already read. At 300 deletions at once
   * that happened in about one deactivation in three, and the missed host's record outlived its VM.
   * So each page after the first starts one host early and must show a host already seen (order
   * being stable between requests: the spec promises no order, and a walk that finds none steps
   * back a page until it does). Hosts added meanwhile may or may not be seen.
   */
  private async walk(hostPoolId: string): Promise<SessionHostInfo[]> {
    const ref = poolRef(hostPoolId);
    const seen = new Map<string, SessionHostInfo>();
    const order: string[] = [];
    let skip = 0;
    let pageLength = 100;
    for (let requests = 0; ; requests += 1) {
      if (requests >= maxWalkRequests)
        throw new HostPoolsError(
          `Listing the session hosts of ${hostPoolId}`,
          new Error(`the pool kept changing under ${maxWalkRequests} page reads`),
        );
      const { hosts, more } = await this.page(ref, hostPoolId, skip);
      const anchored = skip === 0 || hosts.some((h) => seen.has(h.name.toLowerCase()));
      if (!anchored) {
        // Deletions moved unread hosts before this page's start: read from further back.
        skip = Math.max(0, skip - pageLength);
        continue;
      }
      for (const host of hosts) {
        const key = host.name.toLowerCase();
        if (!seen.has(key)) order.push(key);
        seen.set(key, host);
      }
      if (!more || hosts.length === 0) break;
      pageLength = hosts.length;
      skip += hosts.length - 1;
    }
    return order.map((key) => seen.get(key)!);
  }

  /** One page of the pool's session hosts from position `skip`, and whether more follow. */
  private async page(
    ref: ResourceRef,
    hostPoolId: string,
    skip: number,
  ): Promise<{ hosts: SessionHostInfo[]; more: boolean }> {
    try {
      const pages = this.client(ref)
        .sessionHosts.list(ref.resourceGroup, ref.name, skip > 0 ? { initialSkip: skip } : {})
        .byPage();
      const first = await pages.next();
      const page: SessionHost[] = first.done ? [] : first.value;
      await pages.return?.(undefined);
      return {
        hosts: page.map((host) => sessionHostInfo(hostPoolId, host)),
        more: getContinuationToken(page) !== undefined,
      };
    } catch (err) {
      throw new HostPoolsError(`Listing the session hosts of ${hostPoolId}`, err);
    }
  }

  /** Keeps a held listing in step with this process's own changes. */
  private remember(hostPoolId: string, host: SessionHostInfo): void {
    const held = this.listings.get(hostPoolId.toLowerCase());
    if (!held || !host.vmId) return;
    const vmKey = host.vmId.toLowerCase();
    void held.byVm.then((byVm) => byVm?.set(vmKey, host)).catch(() => undefined);
  }

  private forget(hostPoolId: string, sessionHostName: string): void {
    const held = this.listings.get(hostPoolId.toLowerCase());
    if (!held) return;
    const name = sessionHostName.toLowerCase();
    void held.byVm
      .then((byVm) => {
        for (const [vm, host] of byVm ?? []) if (host.name.toLowerCase() === name) byVm?.delete(vm);
      })
      .catch(() => undefined);
  }
}
