/**
 * The AVD, role-assignment and run-command part of the double: its routes (registered with the
 * Router as an extra route table), the settling it needs before every request (registrations that
 * came due), and the `ArmDouble.avd` seeding handle. Contract: AVD_DOUBLE.md.
 */
import { randomUUID } from 'node:crypto';
import { AvdHandler } from './avdHandler';
import { AvdStore } from './avdStore';
import type { AvdDouble, AvdOptions, SessionHostView } from './avdTypes';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';
import { idKey } from './resourceIds';
import { RoleAssignmentsHandler } from './roleAssignmentsHandler';
import { RunCommandsHandler } from './runCommandsHandler';
import type { ArmRequest, RouteExtension } from './router';
import { liveVm } from './vmFacts';

/** rules runCommand.duration, avd.registration.delay, avd.sessionHosts.paging (assumed). */
export const DEFAULT_RUN_COMMAND_SECONDS = 20;
export const DEFAULT_REGISTRATION_SECONDS = 60;
export const DEFAULT_SESSION_HOST_PAGE_SIZE = 100;

const POOL =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DesktopVirtualization\/hostPools\/[^/]+)(?:\/(retrieveRegistrationToken)|\/sessionHosts(?:\/([^/]+))?)?$/i;
const GROUP =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DesktopVirtualization\/applicationGroups\/[^/]+$/i;
const RUN_COMMAND =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)\/runCommands(?:\/([^/]+))?$/i;
const ROLE_ASSIGNMENTS = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i;

/**
 * Registered first among the Router's extensions: every request passes through `handle`, which
 * settles due registrations before anything (a VM deleted now must not register later).
 */
export class AvdRoutes implements RouteExtension {
  readonly store = new AvdStore();
  private readonly hostPools: AvdHandler;
  private readonly runCommands: RunCommandsHandler;
  private readonly roleAssignments: RoleAssignmentsHandler;

  constructor(
    private readonly ctx: ArmContext,
    options: AvdOptions = {},
  ) {
    this.hostPools = new AvdHandler(
      ctx,
      this.store,
      options.sessionHostPageSize ?? DEFAULT_SESSION_HOST_PAGE_SIZE,
    );
    this.runCommands = new RunCommandsHandler(ctx, this.store, {
      runMs: (options.runCommandSeconds ?? DEFAULT_RUN_COMMAND_SECONDS) * 1000,
      registrationMs: (options.registrationSeconds ?? DEFAULT_REGISTRATION_SECONDS) * 1000,
    });
    this.roleAssignments = new RoleAssignmentsHandler(ctx, this.store);
  }

  settle(now: number): void {
    this.runCommands.settle(now);
  }

  /** For unreachable-region faults: a pool's, group's or VM's region. */
  locationOf(request: ArmRequest): string | undefined {
    const path = decodeURIComponent(request.path);
    const pool = POOL.exec(path);
    if (pool) return this.store.pool(pool[1] as string)?.location;
    if (GROUP.test(path)) return this.store.applicationGroups.get(idKey(path))?.location;
    const run = RUN_COMMAND.exec(path);
    if (run) {
      const vmId = `/subscriptions/${run[1]}/resourceGroups/${run[2]}/providers/Microsoft.Compute/virtualMachines/${run[3]}`;
      return liveVm(this.ctx.store, vmId)?.location;
    }
    return undefined;
  }

  handle(request: ArmRequest, apiVersion: string): HandlerResult | undefined {
    this.settle(this.ctx.clock.now());
    const path = decodeURIComponent(request.path);
    const m = request.method;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const force = request.query.get('force') === 'true';
    const pool = POOL.exec(path);
    if (pool) {
      const [, poolId, action, host] = pool as unknown as [
        string,
        string,
        string | undefined,
        string | undefined,
      ];
      if (action && m === 'POST') return this.hostPools.retrieveRegistrationToken(poolId);
      if (host !== undefined) {
        if (m === 'GET') return this.hostPools.getSessionHost(poolId, host);
        if (m === 'PATCH') return this.hostPools.updateSessionHost(poolId, host, body, force);
        if (m === 'DELETE') return this.hostPools.deleteSessionHost(poolId, host, force);
      } else if (/\/sessionHosts$/i.test(path)) {
        if (m === 'GET') return this.hostPools.listSessionHosts(poolId, request.query, request.path);
      } else if (!action) {
        if (m === 'GET') return this.hostPools.getHostPool(poolId);
        if (m === 'PATCH') return this.hostPools.updateHostPool(poolId, body);
      }
      return undefined;
    }
    if (GROUP.test(path) && m === 'GET') return this.hostPools.getApplicationGroup(path);
    const run = RUN_COMMAND.exec(path);
    if (run) {
      const [, subscriptionId, resourceGroup, vmName, name] = run as unknown as [
        string,
        string,
        string,
        string,
        string | undefined,
      ];
      const ref = { subscriptionId, resourceGroup, vmName };
      const expand = request.query.get('$expand');
      if (name === undefined) return m === 'GET' ? this.runCommands.list(ref, expand) : undefined;
      if (m === 'PUT') return this.runCommands.put(ref, name, body, apiVersion);
      if (m === 'GET') return this.runCommands.get(ref, name, expand);
      if (m === 'DELETE') return this.runCommands.delete(ref, name);
      return undefined;
    }
    const roles = ROLE_ASSIGNMENTS.exec(path);
    if (roles && m === 'GET')
      return this.roleAssignments.listForScope(roles[1] || '/', request.query.get('$filter'));
    return undefined;
  }

  /** The `ArmDouble.avd` handle. */
  facade(): AvdDouble {
    const { ctx, store } = this;
    return {
      seedHostPool: (seed) => {
        const name = /\/hostPools\/([^/]+)$/i.exec(seed.id)?.[1];
        if (!name || !POOL.test(seed.id)) throw new RangeError(`Not a host pool id: ${seed.id}`);
        if (store.pool(seed.id)) throw new RangeError(`Host pool ${seed.id} is already seeded`);
        const hostPoolType = seed.hostPoolType ?? 'Personal';
        store.hostPools.set(idKey(seed.id), {
          id: seed.id,
          name,
          location: seed.location,
          hostPoolType,
          personalDesktopAssignmentType:
            hostPoolType === 'Personal' ? (seed.personalDesktopAssignmentType ?? 'Direct') : undefined,
          objectId: randomUUID(),
          tokens: [],
          lastTokenOperation: 'None',
        });
        return seed.id;
      },
      seedSessionHost: (seed) => {
        const pool = store.pool(seed.hostPoolId);
        if (!pool) throw new RangeError(`No seeded host pool ${seed.hostPoolId}`);
        store.hostsOf(pool.id).set(seed.name.toLowerCase(), {
          hostPoolKey: idKey(pool.id),
          name: seed.name,
          vmId: seed.vmId,
          virtualMachineId: randomUUID(),
          objectId: randomUUID(),
          assignedUser: seed.assignedUser,
          status: seed.status ?? 'Available',
          sessions: seed.sessions ?? 0,
          registered: false,
          updatedAt: ctx.clock.now(),
        });
      },
      seedApplicationGroup: (seed) => {
        const name = /\/applicationGroups\/([^/]+)$/i.exec(seed.id)?.[1];
        if (!name || !GROUP.test(seed.id)) throw new RangeError(`Not an application group id: ${seed.id}`);
        store.applicationGroups.set(idKey(seed.id), {
          id: seed.id,
          name,
          location: seed.location,
          hostPoolId: seed.hostPoolId,
          applicationGroupType: seed.applicationGroupType ?? 'Desktop',
          objectId: randomUUID(),
        });
        return seed.id;
      },
      seedRoleAssignment: (seed) => this.roleAssignments.seed(seed),
      seedRegistrationToken: (poolId, options) => {
        const pool = store.pool(poolId);
        if (!pool) throw new RangeError(`No seeded host pool ${poolId}`);
        const now = ctx.clock.now();
        return this.hostPools.issueToken(pool, now, now + (options?.validForMs ?? 24 * 3_600_000));
      },
      sessionHosts: (poolId): SessionHostView[] => {
        this.settle(ctx.clock.now());
        const pool = store.pool(poolId);
        if (!pool) throw new RangeError(`No seeded host pool ${poolId}`);
        return [...store.hostsOf(pool.id).values()].map((h) => ({
          hostPoolId: pool.id,
          name: h.name,
          resourceId: h.vmId,
          assignedUser: h.assignedUser,
          status: h.status,
          sessions: h.sessions,
          registered: h.registered,
        }));
      },
      stats: () => {
        this.settle(ctx.clock.now());
        return { ...store.stats };
      },
    };
  }
}
