/** Microsoft.Compute/disks made by PUT from a snapshot (rules disk.copy.*, disk.put.idempotent, disk.delete.attached), and GET/list of every disk. */
import { randomUUID } from 'node:crypto';
import { refuse, type ArmError } from './armError';
import type { ComputeContext } from './computeContext';
import { normalizeLocation, sameLocation } from './context';
import type { HandlerResult } from './operations';
import { madeDiskJson } from './representations';
import { diskJson } from './representations';
import { idKey, parseResourceId, resourceId, type ResourceRef } from './resourceIds';
import type { RuleId } from './rules';
import type { DiskRecord } from './store';
import type { SeedDisk } from './types';

interface DiskBody {
  location?: unknown;
  zones?: unknown;
  tags?: Record<string, string>;
  sku?: { name?: unknown };
  properties?: { creationData?: { createOption?: unknown; sourceResourceId?: unknown } };
}

export class ManagedDisksHandler {
  constructor(private readonly ctx: ComputeContext) {}

  private fail(ruleId: RuleId, message: string): ArmError {
    this.ctx.stats.refusal(ruleId);
    return refuse(ruleId, message);
  }

  json(disk: DiskRecord): unknown {
    return disk.made ? madeDiskJson(disk, this.ctx.clock.now()) : diskJson(disk);
  }

  get(ref: ResourceRef): HandlerResult {
    const disk = this.ctx.store.disk(resourceId(ref));
    if (!disk) throw this.notFound(ref);
    return { status: 200, body: this.json(disk) };
  }

  list(subscriptionId: string, resourceGroup: string): HandlerResult {
    const value = this.ctx.store
      .disksIn(subscriptionId, resourceGroup)
      .filter((d) => !d.made?.deleted)
      .map((d) => this.json(d));
    return { status: 200, body: { value } };
  }

  put(ref: ResourceRef, body: DiskBody, apiVersion: string): HandlerResult {
    const { store, clock, operations, limits } = this.ctx;
    const now = clock.now();
    this.ctx.copies.settle(now);
    const id = resourceId(ref);
    const location = typeof body.location === 'string' ? body.location : undefined;
    const creation = body.properties?.creationData;
    const sourceResourceId = creation?.sourceResourceId;
    if (!location || creation?.createOption !== 'Copy' || typeof sourceResourceId !== 'string')
      throw this.fail(
        'arm.badRequest',
        "The double makes disks with a location and creationData { createOption: 'Copy', sourceResourceId: <snapshot id> }.",
      );
    const zones = Array.isArray(body.zones) ? (body.zones as unknown[]).map(String) : [];
    const zone = zones[0];
    const skuName = typeof body.sku?.name === 'string' ? body.sku.name : 'Premium_LRS';

    const existing = store.disk(id);
    if (existing) {
      if (
        existing.made &&
        idKey(existing.made.sourceResourceId) === idKey(sourceResourceId) &&
        existing.seed.zone === zone
      ) {
        existing.made.tags = { ...(body.tags ?? {}) };
        return { status: 200, body: this.json(existing) };
      }
      throw this.fail(
        'disk.put.idempotent',
        `Changing property 'creationData' or 'zones' of disk '${ref.name}' is not allowed.`,
      );
    }

    const sourceRef = parseResourceId(sourceResourceId);
    if (sourceRef?.type !== 'snapshots')
      throw this.fail('arm.badRequest', 'The double makes disks from snapshots only (sourceResourceId).');
    const snapshot = store.snapshot(sourceResourceId);
    if (!snapshot) throw this.notFound(sourceRef);
    if (!sameLocation(snapshot.location, location))
      throw this.fail(
        'disk.copy.sameRegion',
        `Snapshot '${snapshot.id}' is in '${snapshot.location}'; a disk from it is made there, not in '${location}'.`,
      );
    if (snapshot.copy && (snapshot.copy.completedAt === undefined || snapshot.copy.error))
      throw this.fail(
        'disk.copy.sourceNotReady',
        `Snapshot '${snapshot.id}' is a CopyStart copy that has not completed (completionPercent ${this.ctx.copies.completionPercent(snapshot, now) ?? 0}).`,
      );
    const origin = store.disks.get(snapshot.diskKey);
    if (!origin) throw this.fail('arm.badRequest', `Snapshot '${snapshot.id}' has no disk the double knows.`);

    const seed: SeedDisk = {
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      name: ref.name,
      location,
      sizeGB: origin.seed.sizeGB,
      ...(zone !== undefined ? { zone } : {}),
      osType: origin.seed.osType,
      hyperVGeneration: origin.seed.hyperVGeneration,
      ...(origin.seed.securityType ? { securityType: origin.seed.securityType } : {}),
      ...(origin.seed.diskControllerTypes ? { diskControllerTypes: origin.seed.diskControllerTypes } : {}),
      networkAccessPolicy: 'AllowAll',
    };
    const record: DiskRecord = {
      id,
      seed,
      uniqueId: randomUUID(),
      timeCreated: now,
      managedBy: undefined,
      changedGiB: 0,
      chainDeltas: [0],
      made: {
        sourceResourceId,
        sourceUniqueId: snapshot.uniqueId,
        skuName,
        tags: { ...(body.tags ?? {}) },
        lroDoneAt: now + limits.lroMs,
        deleted: false,
      },
    };
    store.disks.set(idKey(id), record);
    this.ctx.computeThrottle.counts.disksCreated += 1;
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      output: () => (store.disk(id) ? this.json(record) : undefined),
    });
    return operations.accepted(operation, apiVersion, this.json(record));
  }

  delete(ref: ResourceRef, apiVersion: string): HandlerResult {
    const { store, clock, operations, limits } = this.ctx;
    const now = clock.now();
    const disk = store.disk(resourceId(ref));
    if (!disk) return { status: 204 };
    if (disk.managedBy)
      throw this.fail('disk.delete.attached', `Disk ${ref.name} is attached to VM ${disk.managedBy}.`);
    this.remove(disk);
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(disk.seed.location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      output: () => undefined,
    });
    return operations.accepted(operation, apiVersion);
  }

  /** Removes a disk (a VM's cascade included); a made disk stays as a tombstone for its snapshots. */
  remove(disk: DiskRecord): void {
    const { store } = this.ctx;
    disk.managedBy = undefined;
    if (disk.made) disk.made.deleted = true;
    else store.disks.delete(idKey(disk.id));
    store.deletedDisks.push(disk);
    this.ctx.computeThrottle.counts.disksDeleted += 1;
  }

  notFound(ref: ResourceRef): ArmError {
    this.ctx.stats.refusal('arm.notFound');
    return refuse(
      'arm.notFound',
      `The Resource 'Microsoft.Compute/${ref.type}/${ref.name}' under resource group '${ref.resourceGroup}' was not found.`,
    );
  }
}
