/** Microsoft.Compute/snapshots: PUT (Copy from a disk, CopyStart across regions), GET, PATCH (tags), DELETE, list, beginGetAccess, endGetAccess. */
import { randomBytes, randomUUID } from 'node:crypto';
import { ArmError, refuse } from './armError';
import { normalizeLocation, sameLocation, type ArmContext } from './context';
import type { HandlerResult } from './operations';
import { snapshotJson } from './representations';
import { idKey, parseResourceId, resourceId, type ResourceRef } from './resourceIds';
import type { RuleId } from './rules';
import type { CopyState, DiskRecord, SnapshotRecord } from './store';

interface SnapshotBody {
  location?: unknown;
  tags?: Record<string, string>;
  properties?: {
    creationData?: { createOption?: unknown; sourceResourceId?: unknown };
    incremental?: unknown;
    networkAccessPolicy?: unknown;
    encryption?: { type?: string; diskEncryptionSetId?: string };
  };
}

export class SnapshotsHandler {
  /** Encryption a CopyStart target was given (it differs from the source disk's). */
  private readonly targetEncryption = new Map<string, unknown>();

  constructor(private readonly ctx: ArmContext) {}

  private fail(ruleId: RuleId, message: string): ArmError {
    this.ctx.stats.refusal(ruleId);
    return refuse(ruleId, message);
  }

  private json(record: SnapshotRecord): unknown {
    const now = this.ctx.clock.now();
    return snapshotJson(
      record,
      this.ctx.store.disks.get(record.diskKey),
      this.ctx.copies,
      now,
      this.targetEncryption.get(record.uniqueId),
    );
  }

  get(ref: ResourceRef): HandlerResult {
    const record = this.ctx.store.snapshot(resourceId(ref));
    if (!record) throw this.notFound(ref);
    return { status: 200, body: this.json(record) };
  }

  list(subscriptionId: string, resourceGroup: string): HandlerResult {
    const value = this.ctx.store.snapshotsIn(subscriptionId, resourceGroup).map((s) => this.json(s));
    return { status: 200, body: { value } };
  }

  patch(ref: ResourceRef, body: SnapshotBody): HandlerResult {
    const record = this.ctx.store.snapshot(resourceId(ref));
    if (!record) throw this.notFound(ref);
    if (body.tags) record.tags = { ...body.tags };
    return { status: 200, body: this.json(record) };
  }

  put(ref: ResourceRef, body: SnapshotBody, apiVersion: string): HandlerResult {
    const { store, clock, limits, copies, operations, stats } = this.ctx;
    const now = clock.now();
    const id = resourceId(ref);
    const location = typeof body.location === 'string' ? body.location : undefined;
    const createOption = body.properties?.creationData?.createOption;
    const sourceResourceId = body.properties?.creationData?.sourceResourceId;
    if (
      !location ||
      typeof sourceResourceId !== 'string' ||
      (createOption !== 'Copy' && createOption !== 'CopyStart')
    ) {
      throw this.fail(
        'arm.badRequest',
        'The double accepts snapshots with a location and creationData { createOption: Copy | CopyStart, sourceResourceId }.',
      );
    }

    const existing = store.snapshot(id);
    if (existing) {
      // arm.put.idempotent: the same creation again is the same snapshot; tags follow the PUT.
      if (
        existing.createOption === createOption &&
        idKey(existing.sourceResourceId) === idKey(sourceResourceId)
      ) {
        existing.tags = { ...(body.tags ?? {}) };
        return { status: 200, body: this.json(existing) };
      }
      throw this.fail(
        'arm.put.idempotent',
        `Changing property 'creationData' of snapshot '${ref.name}' is not allowed.`,
      );
    }

    const lroDoneAt = now + limits.lroMs;
    const base = {
      id,
      name: ref.name,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      location,
      tags: { ...(body.tags ?? {}) },
      sourceResourceId,
      uniqueId: randomUUID(),
      timeCreated: now,
      lroDoneAt,
      sasUntil: undefined,
      sasToken: undefined,
      deleted: false,
    };
    const record =
      createOption === 'Copy'
        ? this.fromDisk(ref, body, base, now)
        : this.copyStart(ref, body, base, now, lroDoneAt);
    store.addSnapshot(record);
    if (record.copy)
      stats.copiesInFlight(
        ref.subscriptionId,
        normalizeLocation(location),
        copies.inFlight(ref.subscriptionId, location),
      );
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(location),
      startedAt: now,
      doneAt: lroDoneAt,
      output: () => (store.snapshot(id) ? this.json(record) : undefined),
    });
    return operations.accepted(operation, apiVersion, this.json(record));
  }

  private fromDisk(
    ref: ResourceRef,
    body: SnapshotBody,
    base: Omit<
      SnapshotRecord,
      | 'createOption'
      | 'sourceUniqueId'
      | 'diskKey'
      | 'chainIndex'
      | 'networkAccessPolicy'
      | 'creationOrder'
      | 'copy'
    >,
    now: number,
  ): SnapshotRecord {
    const { store, limits } = this.ctx;
    const source = parseResourceId(base.sourceResourceId);
    if (source?.type !== 'disks')
      throw this.fail(
        'arm.badRequest',
        'createOption Copy takes a managed disk as its source in the double.',
      );
    const disk = store.disk(base.sourceResourceId);
    if (!disk) throw this.notFound(source);
    if (body.properties?.incremental !== true) {
      throw this.fail(
        'arm.badRequest',
        'The double models incremental snapshots only (properties.incremental: true).',
      );
    }
    if (disk.seed.subscriptionId.toLowerCase() !== ref.subscriptionId.toLowerCase()) {
      throw this.fail(
        'disk.snapshot.sameSubscription',
        `An incremental snapshot of disk '${disk.id}' must be created in its subscription '${disk.seed.subscriptionId}'.`,
      );
    }
    if (!sameLocation(base.location, disk.seed.location)) {
      throw this.fail(
        'disk.snapshot.sameRegion',
        `An incremental snapshot of disk '${disk.id}' is created in its region '${disk.seed.location}', not '${base.location}'.`,
      );
    }
    const diskKey = idKey(disk.id);
    const ofDisk = store.snapshotsEverOf(diskKey).filter((s) => s.createOption === 'Copy');
    const inWindow = ofDisk.filter((s) => s.timeCreated > now - limits.snapshotWindowMs).length;
    if (inWindow >= limits.snapshotsPerWindow) {
      throw this.fail(
        'disk.snapshot.rateWindow',
        `Disk '${disk.id}' already has ${inWindow} incremental snapshots created in the last ${limits.snapshotWindowMs / 60_000} minutes.`,
      );
    }
    const live = ofDisk.filter((s) => !s.deleted);
    if (live.length >= limits.snapshotsPerDisk) {
      throw this.fail(
        'disk.snapshot.perDisk',
        `Disk '${disk.id}' already has ${live.length} incremental snapshots.`,
      );
    }
    // disk.snapshot.firstIsFull: with no snapshot of the disk left, the next one holds the whole disk.
    const chainIndex = disk.chainDeltas.length;
    disk.chainDeltas.push(live.length === 0 ? disk.seed.sizeGB : disk.changedGiB);
    disk.changedGiB = 0;
    return {
      ...base,
      createOption: 'Copy',
      sourceUniqueId: disk.uniqueId,
      diskKey,
      chainIndex,
      networkAccessPolicy: policyOf(body) ?? disk.seed.networkAccessPolicy ?? 'AllowAll',
      creationOrder: store.nextCreationOrder(),
      copy: undefined,
    };
  }

  private copyStart(
    ref: ResourceRef,
    body: SnapshotBody,
    base: Omit<
      SnapshotRecord,
      | 'createOption'
      | 'sourceUniqueId'
      | 'diskKey'
      | 'chainIndex'
      | 'networkAccessPolicy'
      | 'creationOrder'
      | 'copy'
    >,
    now: number,
    lroDoneAt: number,
  ): SnapshotRecord {
    const { store, copies, limits, faults } = this.ctx;
    copies.settle(now);
    const sourceRef = parseResourceId(base.sourceResourceId);
    const source = store.snapshot(base.sourceResourceId);
    if (sourceRef?.type !== 'snapshots') {
      throw this.fail('copy.crossRegionOnly', 'CopyStart takes an incremental snapshot as its source.');
    }
    if (!source) throw this.notFound(sourceRef);
    if (sameLocation(source.location, base.location)) {
      throw this.fail(
        'copy.crossRegionOnly',
        `CopyStart copies into another region; source '${source.id}' is already in '${source.location}'.`,
      );
    }
    if (source.copy && source.copy.completedAt === undefined) {
      throw this.fail(
        'copy.sourceNotReady',
        `Source '${source.id}' is itself a copy that has not completed.`,
      );
    }
    const disk: DiskRecord | undefined = store.disks.get(source.diskKey);
    if (
      disk?.seed.encryption?.type.includes('CustomerKey') &&
      !body.properties?.encryption?.diskEncryptionSetId
    ) {
      throw this.fail(
        'copy.cmkTargetEncryption',
        `Disk '${disk.id}' is encrypted with a customer-managed key: name a disk encryption set in '${base.location}'.`,
      );
    }
    const newer = store
      .liveSnapshotsOf(source.diskKey)
      .find(
        (s) =>
          s.createOption === 'CopyStart' &&
          sameLocation(s.location, base.location) &&
          s.copy?.failedAt === undefined &&
          s.chainIndex > source.chainIndex,
      );
    if (newer) {
      throw this.fail(
        'copy.order',
        `Snapshot '${newer.id}', newer than '${source.id}', is already copied into '${base.location}': copies go in creation order.`,
      );
    }
    const inFlight = copies.inFlight(ref.subscriptionId, base.location);
    if (inFlight >= limits.copiesInFlightPerSubscriptionRegion) {
      throw this.fail(
        'copy.inFlight',
        `Subscription '${ref.subscriptionId}' already has ${inFlight} copies in flight into '${base.location}'.`,
      );
    }
    const fault = faults.takeCopy(base.id, source.id);
    if (fault) this.ctx.stats.injectedFault();
    const copy: CopyState = {
      readyAt: lroDoneAt,
      startedAt: undefined,
      sizeGiB: undefined,
      durationMs: undefined,
      completedAt: undefined,
      failedAt: undefined,
      error: undefined,
      stall: fault?.copy === 'stall',
      failAtPercent: fault?.copy === 'fail' ? (fault.atPercent ?? 0) : undefined,
      failError:
        fault?.copy === 'fail'
          ? {
              errorCode: fault.errorCode ?? 'CopyFailed',
              errorMessage: fault.errorMessage ?? 'Injected copy failure.',
            }
          : undefined,
      corrupt: fault?.copy === 'corrupt',
    };
    const record: SnapshotRecord = {
      ...base,
      createOption: 'CopyStart',
      sourceUniqueId: source.uniqueId,
      diskKey: source.diskKey,
      chainIndex: source.chainIndex,
      networkAccessPolicy: policyOf(body) ?? source.networkAccessPolicy,
      creationOrder: store.nextCreationOrder(),
      copy,
    };
    if (body.properties?.encryption) this.targetEncryption.set(record.uniqueId, body.properties.encryption);
    return record;
  }

  delete(ref: ResourceRef, apiVersion: string): HandlerResult {
    const { store, copies, clock, operations, stats, limits } = this.ctx;
    const now = clock.now();
    copies.settle(now);
    const record = store.snapshot(resourceId(ref));
    // ARM answers 204 for a DELETE of what does not exist.
    if (!record) return { status: 204 };
    if (record.createOption === 'Copy') copies.failCopiesOf(record, now); // copy.deleteSource
    store.removeSnapshot(record); // copy.targetDelete frees its place and its disk's queue
    if (record.copy)
      stats.copiesInFlight(
        record.subscriptionId,
        normalizeLocation(record.location),
        copies.inFlight(record.subscriptionId, record.location),
      );
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(record.location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      output: () => undefined,
    });
    return operations.accepted(operation, apiVersion);
  }

  grantAccess(ref: ResourceRef, body: { durationInSeconds?: unknown }, apiVersion: string): HandlerResult {
    const { store, clock, limits, operations } = this.ctx;
    const now = clock.now();
    const record = store.snapshot(resourceId(ref));
    if (!record) throw this.notFound(ref);
    if (record.networkAccessPolicy === 'DenyAll' || record.networkAccessPolicy === 'AllowPrivate') {
      throw this.fail(
        'disk.sas.denyAll',
        `Snapshot '${record.id}' has networkAccessPolicy '${record.networkAccessPolicy}': it cannot be exported from here.`,
      );
    }
    const family = store
      .liveSnapshotsOf(record.diskKey)
      .filter((s) => s !== record && sameLocation(s.location, record.location) && (s.sasUntil ?? 0) > now);
    if (family.length >= limits.sasPerSnapshotFamily) {
      throw this.fail(
        'disk.sas.familyLimit',
        `${family.length} snapshots of this family already have an active SAS.`,
      );
    }
    const seconds =
      typeof body.durationInSeconds === 'number' && body.durationInSeconds > 0
        ? body.durationInSeconds
        : 3600;
    record.sasUntil = now + seconds * 1000;
    if (record.sasToken) store.sasTokens.delete(record.sasToken);
    record.sasToken = randomBytes(16).toString('hex');
    store.sasTokens.set(record.sasToken, record);
    const accessSAS = `${this.ctx.endpoint()}/sas/${record.sasToken}?sv=2018-03-28&sr=b&sp=r&se=${encodeURIComponent(new Date(record.sasUntil).toISOString())}&sig=${record.sasToken}`;
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(record.location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      output: () => ({ accessSAS }),
    });
    return operations.accepted(operation, apiVersion);
  }

  revokeAccess(ref: ResourceRef, apiVersion: string): HandlerResult {
    const { store, clock, limits, operations } = this.ctx;
    const now = clock.now();
    const record = store.snapshot(resourceId(ref));
    if (!record) throw this.notFound(ref);
    record.sasUntil = undefined;
    if (record.sasToken) store.sasTokens.delete(record.sasToken);
    record.sasToken = undefined;
    const operation = operations.start({
      subscriptionId: ref.subscriptionId,
      location: normalizeLocation(record.location),
      startedAt: now,
      doneAt: now + limits.lroMs,
      output: () => undefined,
    });
    return operations.accepted(operation, apiVersion);
  }

  private notFound(ref: ResourceRef): ArmError {
    this.ctx.stats.refusal('arm.notFound');
    return refuse(
      'arm.notFound',
      `The Resource 'Microsoft.Compute/${ref.type}/${ref.name}' under resource group '${ref.resourceGroup}' was not found.`,
    );
  }
}

function policyOf(body: SnapshotBody): string | undefined {
  const policy = body.properties?.networkAccessPolicy;
  return typeof policy === 'string' ? policy : undefined;
}
