/** Maps an authenticated ARM request to its handler, and tells the server which region a request is about. */
import { ArmError, refuse } from './armError';
import { normalizeLocation, type ArmContext } from './context';
import type { DisksHandler } from './disksHandler';
import { groupKey } from './indexedMap';
import type { HandlerResult } from './operations';
import { resourceId, type ComputeType } from './resourceIds';
import type { SnapshotsHandler } from './snapshotsHandler';

const OPERATION =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/locations\/([^/]+)\/DiskOperations\/([^/]+)$/i;
const RESOURCE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots|virtualMachines)(?:\/([^/]+))?(?:\/(beginGetAccess|endGetAccess))?$/i;

/** More routes (issue 29 and later): each answers the requests it serves and undefined for the rest. */
export interface RouteExtension {
  locationOf(request: ArmRequest): string | undefined;
  handle(request: ArmRequest, apiVersion: string): HandlerResult | undefined;
}

export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  selfUrl: string;
}

type Route =
  | { kind: 'operation'; subscriptionId: string; location: string; operationId: string }
  | {
      kind: 'resource';
      subscriptionId: string;
      resourceGroup: string;
      type: ComputeType;
      name: string | undefined;
      action: string | undefined;
    };

export function subscriptionOf(path: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(path)?.[1];
}

function route(path: string): Route | undefined {
  const op = OPERATION.exec(path);
  if (op)
    return {
      kind: 'operation',
      subscriptionId: op[1] as string,
      location: decodeURIComponent(op[2] as string),
      operationId: op[3] as string,
    };
  const res = RESOURCE.exec(path);
  if (!res) return undefined;
  const type = (['disks', 'snapshots', 'virtualMachines'] as const).find(
    (t) => t.toLowerCase() === (res[3] as string).toLowerCase(),
  ) as ComputeType;
  return {
    kind: 'resource',
    subscriptionId: res[1] as string,
    resourceGroup: decodeURIComponent(res[2] as string),
    type,
    name: res[4] === undefined ? undefined : decodeURIComponent(res[4]),
    action: res[5]?.toLowerCase(),
  };
}

export class Router {
  constructor(
    private readonly ctx: ArmContext,
    private readonly disks: DisksHandler,
    private readonly snapshots: SnapshotsHandler,
    private readonly extensions: RouteExtension[] = [],
  ) {}

  /** The region the request is about (for unreachable-region faults), when the double can tell. */
  locationOf(request: ArmRequest): string | undefined {
    for (const extension of this.extensions) {
      const location = extension.locationOf(request);
      if (location) return location;
    }
    const r = route(request.path);
    if (!r) return undefined;
    if (r.kind === 'operation') return r.location;
    if (r.name !== undefined) {
      const id = resourceId({
        subscriptionId: r.subscriptionId,
        resourceGroup: r.resourceGroup,
        type: r.type,
        name: r.name,
      });
      const known = this.ctx.store.locationOf(id);
      if (known) return known;
      const bodyLocation = (request.body as { location?: unknown } | undefined)?.location;
      return typeof bodyLocation === 'string' ? bodyLocation : undefined;
    }
    // A list: the region its resources (live snapshots, disks) are in, when they are all in one
    // (assumed). Read from the group's own records, stopping at a second region.
    const { store } = this.ctx;
    let only: string | undefined;
    const group = groupKey(r.subscriptionId, r.resourceGroup);
    const locations = function* () {
      for (const s of store.snapshots.in('group', group)) yield s.location;
      for (const d of store.disks.in('group', group)) yield d.seed.location;
    };
    for (const location of locations()) {
      const normalized = normalizeLocation(location);
      if (only !== undefined && only !== normalized) return undefined;
      only = normalized;
    }
    return only;
  }

  handle(request: ArmRequest): HandlerResult {
    const apiVersion = request.query.get('api-version');
    if (!apiVersion)
      throw new ArmError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    this.ctx.copies.settle(this.ctx.clock.now());
    for (const extension of this.extensions) {
      const result = extension.handle(request, apiVersion);
      if (result) return result;
    }
    const r = route(request.path);
    if (!r) throw refuse('arm.notFound', `The double does not serve '${request.method} ${request.path}'.`);
    this.ctx.copies.settle(this.ctx.clock.now());
    if (r.kind === 'operation') return this.operation(r.operationId, request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ref =
      r.name === undefined
        ? undefined
        : { subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, type: r.type, name: r.name };
    const m = request.method;
    if (r.type === 'disks' && m === 'GET')
      return ref ? this.disks.getDisk(ref) : this.disks.listDisks(r.subscriptionId, r.resourceGroup);
    if (r.type === 'virtualMachines' && m === 'GET' && ref) return this.disks.getVm(ref);
    if (r.type === 'snapshots') {
      if (!ref && m === 'GET') return this.snapshots.list(r.subscriptionId, r.resourceGroup);
      if (ref && r.action === 'begingetaccess' && m === 'POST')
        return this.snapshots.grantAccess(ref, body, apiVersion);
      if (ref && r.action === 'endgetaccess' && m === 'POST')
        return this.snapshots.revokeAccess(ref, apiVersion);
      if (ref && r.action === undefined) {
        if (m === 'GET') return this.snapshots.get(ref);
        if (m === 'PUT') return this.snapshots.put(ref, body, apiVersion);
        if (m === 'PATCH') return this.snapshots.patch(ref, body);
        if (m === 'DELETE') return this.snapshots.delete(ref, apiVersion);
      }
    }
    throw new ArmError(405, 'MethodNotAllowed', `The double does not serve '${m}' on '${request.path}'.`);
  }

  private operation(operationId: string, request: ArmRequest): HandlerResult {
    const operation = this.ctx.operations.get(operationId);
    if (!operation) throw refuse('arm.notFound', `Operation '${operationId}' was not found.`);
    const now = this.ctx.clock.now();
    return request.query.get('monitor') === 'true'
      ? this.ctx.operations.monitor(operation, now, request.selfUrl)
      : this.ctx.operations.status(operation, now);
  }
}
