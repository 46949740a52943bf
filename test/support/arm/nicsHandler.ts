/** Microsoft.Network: networkInterfaces (PUT/GET/DELETE/list; rules nic.*, network.lro) and seeded subnets (GET). */
import { randomUUID } from 'node:crypto';
import { refuse, type ArmError } from './armError';
import type { ComputeContext } from './computeContext';
import { normalizeLocation, sameLocation } from './context';
import type { HandlerResult } from './operations';
import { nicJson, subnetJson } from './representations';
import { idKey } from './resourceIds';
import type { RuleId } from './rules';
import type { NicRecord } from './store';

export interface NetworkRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

interface NicBody {
  location?: unknown;
  tags?: Record<string, string>;
  properties?: {
    ipConfigurations?: { name?: unknown; properties?: { subnet?: { id?: unknown } } }[];
  };
}

const SUBNET_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

export function nicId(ref: NetworkRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${ref.name}`;
}

export class NicsHandler {
  private readonly lroDoneAt = new Map<string, number>();
  private nextAddress = 4;

  constructor(private readonly ctx: ComputeContext) {}

  private fail(ruleId: RuleId, message: string): ArmError {
    this.ctx.stats.refusal(ruleId);
    return refuse(ruleId, message);
  }

  seedSubnet(subnetId: string, region: string): void {
    const match = SUBNET_ID.exec(subnetId);
    if (!match) throw new RangeError(`Not a subnet id: ${subnetId}`);
    this.ctx.store.subnets.set(idKey(subnetId), {
      id: subnetId,
      subscriptionId: match[1] as string,
      location: normalizeLocation(region),
    });
  }

  getSubnet(path: string): HandlerResult {
    const subnet = this.ctx.store.subnets.get(idKey(path));
    if (!subnet)
      throw this.notFound('virtualNetworks/subnets', path.split('/').pop() ?? '', path.split('/')[4] ?? '');
    return { status: 200, body: subnetJson(subnet) };
  }

  json(nic: NicRecord): unknown {
    return nicJson(nic, this.ctx.clock.now(), this.lroDoneAt.get(idKey(nic.id)));
  }

  get(ref: NetworkRef): HandlerResult {
    const nic = this.ctx.store.nic(nicId(ref));
    if (!nic) throw this.notFound('networkInterfaces', ref.name, ref.resourceGroup);
    return { status: 200, body: this.json(nic) };
  }

  list(subscriptionId: string, resourceGroup: string): HandlerResult {
    const value = this.ctx.store.nicsIn(subscriptionId, resourceGroup).map((n) => this.json(n));
    return { status: 200, body: { value } };
  }

  put(ref: NetworkRef, body: NicBody, apiVersion: string): HandlerResult {
    const { store, clock, operations, limits } = this.ctx;
    const now = clock.now();
    const id = nicId(ref);
    const location = typeof body.location === 'string' ? body.location : undefined;
    const config = body.properties?.ipConfigurations?.[0];
    const subnetId = config?.properties?.subnet?.id;
    if (!location || typeof subnetId !== 'string')
      throw this.fail(
        'arm.badRequest',
        'The double makes NICs with a location and ipConfigurations[0].properties.subnet.id.',
      );
    const subnet = store.subnets.get(idKey(subnetId));
    if (
      !subnet ||
      !sameLocation(subnet.location, location) ||
      subnet.subscriptionId.toLowerCase() !== ref.subscriptionId.toLowerCase()
    )
      throw this.fail(
        'nic.subnet.reference',
        `Resource ${subnetId} referenced by resource ${id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      );
    const existing = store.nic(id);
    const nic: NicRecord = existing ?? {
      id,
      name: ref.name,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      location,
      subnetId,
      ipConfigurationName: typeof config?.name === 'string' ? config.name : 'ipconfig1',
      privateIPAddress: this.address(),
      tags: {},
      resourceGuid: randomUUID(),
      virtualMachineId: undefined,
      deleted: false,
    };
    nic.tags = { ...(body.tags ?? {}) };
    nic.subnetId = subnetId;
    if (!existing) {
      store.nics.set(idKey(id), nic);
      this.ctx.computeThrottle.counts.nicsCreated += 1;
    }
    const doneAt = now + limits.lroMs;
    this.lroDoneAt.set(idKey(id), doneAt);
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(location),
      startedAt: now,
      doneAt,
      provider: 'network',
      output: () => undefined,
    });
    return operations.accepted(operation, apiVersion, this.json(nic), existing ? 200 : 201);
  }

  delete(ref: NetworkRef, apiVersion: string): HandlerResult {
    const { store, clock, operations, limits } = this.ctx;
    const now = clock.now();
    const nic = store.nic(nicId(ref));
    if (!nic) return { status: 204 };
    if (nic.virtualMachineId)
      throw this.fail(
        'nic.delete.inUse',
        `Network Interface ${nic.id} is used by existing resource ${nic.virtualMachineId}. In order to delete the network interface, it must be dissociated from the resource.`,
      );
    this.remove(nic);
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(nic.location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      provider: 'network',
      output: () => undefined,
    });
    return operations.accepted(operation, apiVersion);
  }

  remove(nic: NicRecord): void {
    nic.virtualMachineId = undefined;
    nic.deleted = true;
    this.ctx.store.nics.delete(idKey(nic.id));
    this.ctx.store.deletedNics.push(nic);
    this.ctx.computeThrottle.counts.nicsDeleted += 1;
  }

  private address(): string {
    const n = this.nextAddress;
    this.nextAddress += 1;
    return `10.0.${Math.floor(n / 250)}.${n % 250}`;
  }

  private notFound(type: string, name: string, resourceGroup: string): ArmError {
    this.ctx.stats.refusal('arm.notFound');
    return refuse(
      'arm.notFound',
      `The Resource 'Microsoft.Network/${type}/${name}' under resource group '${resourceGroup}' was not found.`,
    );
  }
}
