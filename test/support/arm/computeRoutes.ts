/** The double's routes for compute and network (issue 29): disks made by PUT, VMs, NICs, subnets, resource SKUs, and Compute/Network operation URLs. */
import type { ComputeContext } from './computeContext';
import { normalizeLocation } from './context';
import type { ManagedDisksHandler } from './managedDisksHandler';
import type { NicsHandler } from './nicsHandler';
import type { HandlerResult } from './operations';
import { refuse } from './armError';
import type { ArmRequest, RouteExtension } from './router';
import type { VmsHandler } from './vmsHandler';

const SKUS = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/skus$/i;
const OPERATION =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.(?:Compute|Network)\/locations\/([^/]+)\/operations\/([^/]+)$/i;
const COMPUTE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|virtualMachines)(?:\/([^/]+))?$/i;
const NICS =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces(?:\/([^/]+))?$/i;
const SUBNET =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

export class ComputeRoutes implements RouteExtension {
  constructor(
    private readonly ctx: ComputeContext,
    private readonly disks: ManagedDisksHandler,
    private readonly nics: NicsHandler,
    private readonly vms: VmsHandler,
  ) {}

  locationOf(request: ArmRequest): string | undefined {
    const op = OPERATION.exec(request.path);
    if (op) return normalizeLocation(decodeURIComponent(op[2] as string));
    const path = decodeURIComponent(request.path);
    const known = COMPUTE.test(path) || NICS.test(path) ? this.ctx.store.locationOf(path) : undefined;
    if (known) return known;
    const bodyLocation = (request.body as { location?: unknown } | undefined)?.location;
    return typeof bodyLocation === 'string' && (COMPUTE.test(path) || NICS.test(path))
      ? bodyLocation
      : undefined;
  }

  handle(request: ArmRequest, apiVersion: string): HandlerResult | undefined {
    const { method, path } = request;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const skus = SKUS.exec(path);
    if (skus && method === 'GET') return this.skus(skus[1] as string, request.query.get('$filter'));
    const op = OPERATION.exec(path);
    if (op && method === 'GET') {
      const operation = this.ctx.operations.get(op[3] as string);
      if (!operation) throw refuse('arm.notFound', `Operation '${op[3] as string}' was not found.`);
      const now = this.ctx.clock.now();
      return request.query.get('monitor') === 'true'
        ? this.ctx.operations.monitor(operation, now, request.selfUrl)
        : this.ctx.operations.status(operation, now);
    }
    if (SUBNET.test(path) && method === 'GET') return this.nics.getSubnet(decodeURIComponent(path));
    const nic = NICS.exec(path);
    if (nic) {
      const [sub, rg, name] = [nic[1] as string, decodeURIComponent(nic[2] as string), nic[3]];
      if (name === undefined) return method === 'GET' ? this.nics.list(sub, rg) : undefined;
      const ref = { subscriptionId: sub, resourceGroup: rg, name: decodeURIComponent(name) };
      if (method === 'GET') return this.nics.get(ref);
      if (method === 'PUT') return this.nics.put(ref, body, apiVersion);
      if (method === 'DELETE') return this.nics.delete(ref, apiVersion);
      return undefined;
    }
    const compute = COMPUTE.exec(path);
    if (!compute) return undefined;
    const sub = compute[1] as string;
    const rg = decodeURIComponent(compute[2] as string);
    const type = (compute[3] as string).toLowerCase() === 'disks' ? 'disks' : 'virtualMachines';
    const name = compute[4] === undefined ? undefined : decodeURIComponent(compute[4]);
    const expand = request.query.get('$expand');
    if (name === undefined) {
      if (method !== 'GET') return undefined;
      return type === 'disks' ? this.disks.list(sub, rg) : this.vms.list(sub, rg, expand);
    }
    const ref = { subscriptionId: sub, resourceGroup: rg, type, name } as const;
    if (type === 'disks') {
      if (method === 'GET') return this.disks.get(ref);
      if (method === 'PUT') return this.disks.put(ref, body, apiVersion);
      if (method === 'DELETE') return this.disks.delete(ref, apiVersion);
      return undefined;
    }
    if (method === 'GET') return this.vms.get(ref, expand);
    if (method === 'PUT') return this.vms.put(ref, body, apiVersion);
    if (method === 'DELETE') return this.vms.delete(ref, apiVersion);
    return undefined;
  }

  private skus(subscriptionId: string, filter: string | null): HandlerResult {
    const location = filter ? /location\s+eq\s+'([^']+)'/i.exec(filter)?.[1] : undefined;
    const known = new Set<string>();
    for (const s of this.ctx.store.subnets.values()) known.add(normalizeLocation(s.location));
    for (const d of this.ctx.store.disks.values()) known.add(normalizeLocation(d.seed.location));
    for (const s of this.ctx.store.snapshots.values()) known.add(normalizeLocation(s.location));
    return { status: 200, body: { value: this.ctx.catalogue.list(subscriptionId, location, [...known]) } };
  }
}
