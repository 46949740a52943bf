/**
 * Devices in Cosmos DB, partitioned by tenant, with two kinds of helper document in the same
 * partition so one transactional batch keeps them consistent with the device:
 * - `licences`: how many of the tenant's licences are taken;
 * - `histogram:{policy}:{region}:{shard}`: how many devices sit in each last-verified bucket. Each
 *   control-plane region writes only its own shards (multi-region writes would otherwise lose
 *   increments to last-writer-wins), and a device's shard is fixed by its id. Counts of one key may
 *   be spread over shards, even negative in one; only sums mean anything.
 */
import type { Container, JSONObject, OperationInput, PatchOperation, SqlParameter } from '@azure/cosmos';
import type {
  AnnouncedCompliance,
  Device,
  DeviceProtection,
  DeviceRecovery,
  PendingRestorePoint,
  ProtectionBlock,
} from '../../domain/device';
import { ConflictError } from '../../domain/errors';
import { compactableKeys, histogramKey, type HistogramKey } from '../../domain/complianceHistogram';
import { nextSlotStart, rpoMs, stableHash32 } from '../../domain/rpo';
import type {
  ComplianceTransition,
  DeviceFilter,
  DeviceStore,
  PolicyHistogram,
} from '../../ports/DeviceStore';
import type { Page, PageRequest } from '../../ports/Page';
import { patchOperation, runBatch } from './cosmosBatch';
import { fetchPage } from './fetchPage';
import { statusOf } from './statusOf';

interface DeviceDocument extends Omit<Device, 'version' | 'pending' | 'recovery' | 'protectionBlocked'> {
  type: 'device';
  pending: PendingRestorePoint | null;
  protectionBlocked?: ProtectionBlock | null;
  recovery?: DeviceRecovery | null;
  /** Numbers beside the ISO times: the scheduler and the report compare them in queries. */
  nextDueAtMs: number;
  lastVerifiedAtMs: number | null;
  rpoMs: number;
  /** Licensed and its policy enabled: what the scheduler looks for. */
  scheduled: boolean;
  _etag?: string;
}

interface HistogramDocument {
  id: string;
  tenantId: string;
  type: 'histogram';
  policyId: string;
  region: string;
  buckets: Record<string, number>;
  _etag?: string;
}

const licenceCounterId = 'licences';
const shardsPerRegion = 4;

export class CosmosDeviceStore implements DeviceStore {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly container: Container,
    /** The control-plane region this process writes from: it owns that region's histogram shards. */
    private readonly region: string,
  ) {}

  async get(tenantId: string, id: string): Promise<Device | undefined> {
    const { resource } = await this.container.item(id, tenantId).read<DeviceDocument>();
    return resource?.type === 'device' ? toDevice(resource) : undefined;
  }

  async register(device: Omit<Device, 'licensed' | 'version'>, licences: number): Promise<Device> {
    const histogram = this.histogramId(device.policyId, device.id);
    await Promise.all([
      this.ensure(device.tenantId, licenceCounterId, { type: 'licences', used: 0 }),
      this.ensureHistogram(device.tenantId, device.policyId, histogram),
    ]);
    const licensed = toDocument({ ...device, licensed: true });
    const first = await runBatch(this.container, device.tenantId, [
      createOperation(licensed),
      patchOperation(
        licenceCounterId,
        [{ op: 'incr', path: '/used', value: 1 }],
        `from c where c.used < ${Math.floor(licences)}`,
      ),
      patchOperation(histogram, [
        { op: 'incr', path: `/buckets/${'never' satisfies HistogramKey}`, value: 1 },
      ]),
    ]);
    if (first.ok) return toDevice(first.results[0]!.resourceBody as unknown as DeviceDocument);
    if (first.failedIndex === 0 || (await this.get(device.tenantId, device.id))) throw exists(device.id);
    if (first.failedStatus === undefined && !(await this.licencesExhausted(device.tenantId, licences))) {
      throw first.error ?? new Error(`Registering device ${device.id} failed`);
    }

    // No licence free: the device is stored, and counted, as unlicensed.
    const unlicensed = toDocument({ ...device, licensed: false });
    const second = await runBatch(this.container, device.tenantId, [
      createOperation(unlicensed),
      patchOperation(histogram, [
        { op: 'incr', path: `/buckets/${'unlicensed' satisfies HistogramKey}`, value: 1 },
      ]),
    ]);
    if (second.ok) return toDevice(second.results[0]!.resourceBody as unknown as DeviceDocument);
    if (second.failedIndex === 0 || (await this.get(device.tenantId, device.id))) throw exists(device.id);
    throw (
      second.error ?? new Error(`Registering device ${device.id} failed with status ${second.failedStatus}`)
    );
  }

  async update(device: Device, ifVersion?: string): Promise<Device> {
    const current = await this.get(device.tenantId, device.id);
    if (!current) throw new ConflictError('precondition-failed', `Device ${device.id} no longer exists`);
    const version = ifVersion ?? current.version;
    const next = toDocument({
      ...device,
      licensed: current.licensed,
      lastVerifiedAt: current.lastVerifiedAt,
      lastRestorePoint: current.lastRestorePoint,
      pending: current.pending,
      recovery: current.recovery,
    });
    const operations: OperationInput[] = [
      {
        operationType: 'Replace',
        id: device.id,
        resourceBody: next as unknown as JSONObject,
        ifMatch: version,
      },
    ];
    if (current.policyId !== device.policyId) {
      const key = keyOf(current, new Date());
      const from = this.histogramId(current.policyId, device.id);
      const to = this.histogramId(device.policyId, device.id);
      await Promise.all([
        this.ensureHistogram(device.tenantId, current.policyId, from),
        this.ensureHistogram(device.tenantId, device.policyId, to),
      ]);
      operations.push(patchOperation(from, [{ op: 'incr', path: `/buckets/${key}`, value: -1 }]));
      operations.push(patchOperation(to, [{ op: 'incr', path: `/buckets/${key}`, value: 1 }]));
    }
    const outcome = await runBatch(this.container, device.tenantId, operations);
    if (outcome.ok) return toDevice(outcome.results[0]!.resourceBody as unknown as DeviceDocument);
    if (outcome.failedIndex === 0 || outcome.failedStatus === undefined) {
      throw new ConflictError(
        'precondition-failed',
        `Device ${device.id} was changed by someone else; read it again`,
      );
    }
    throw (
      outcome.error ?? new Error(`Updating device ${device.id} failed with status ${outcome.failedStatus}`)
    );
  }

  async remove(tenantId: string, id: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await this.get(tenantId, id);
      if (!current) return;
      const histogram = this.histogramId(current.policyId, id);
      await this.ensureHistogram(tenantId, current.policyId, histogram);
      const operations: OperationInput[] = [
        // ifMatch on a batch delete is honoured by the service; the SDK's type omits it.
        { operationType: 'Delete', id, ifMatch: current.version } as OperationInput,
        patchOperation(histogram, [
          { op: 'incr', path: `/buckets/${keyOf(current, new Date())}`, value: -1 },
        ]),
      ];
      if (current.licensed)
        operations.push(patchOperation(licenceCounterId, [{ op: 'incr', path: '/used', value: -1 }]));
      const outcome = await runBatch(this.container, tenantId, operations);
      if (outcome.ok) return;
      if (outcome.failedIndex !== 0 && outcome.failedStatus !== undefined)
        throw outcome.error ?? new Error(`Removing device ${id} failed`);
      // The device changed between the read and the delete: read it again.
    }
    throw new ConflictError('precondition-failed', `Device ${id} keeps changing; try again`);
  }

  async list(tenantId: string, filter: DeviceFilter, page: PageRequest, now: Date): Promise<Page<Device>> {
    return await fetchPage(this.container, filterQuery(tenantId, filter, now), page, toDevice, tenantId);
  }

  async *listAll(tenantId: string, filter: DeviceFilter, now: Date): AsyncIterable<Device> {
    const query = this.container.items.query<DeviceDocument>(filterQuery(tenantId, filter, now), {
      partitionKey: tenantId,
      maxItemCount: 1000,
    });
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      for (const document of resources) yield toDevice(document);
    }
  }

  async due(now: Date, page: PageRequest): Promise<Page<Device>> {
    // Continuation resumes after the last due time read, so devices leaving the set meanwhile
    // (their worker moved them on) do not shift the pages.
    const { resources, continuationToken } = await this.container.items
      .query<DeviceDocument>(
        {
          query:
            "SELECT * FROM c WHERE c.type = 'device' AND c.scheduled = true AND c.nextDueAtMs <= @now ORDER BY c.nextDueAtMs",
          parameters: [{ name: '@now', value: now.getTime() }],
        },
        { maxItemCount: page.pageSize, continuationToken: page.continuationToken },
      )
      .fetchNext();
    const items = resources.map(toDevice);
    return continuationToken ? { items, continuationToken } : { items };
  }

  async advanceSchedule(device: Device, nextDueAt: Date): Promise<boolean> {
    const previous = Date.parse(device.nextDueAt);
    try {
      await this.container.item(device.id, device.tenantId).patch({
        operations: [
          { op: 'set', path: '/nextDueAt', value: nextDueAt.toISOString() },
          { op: 'set', path: '/nextDueAtMs', value: nextDueAt.getTime() },
        ],
        condition: `from c where c.nextDueAtMs = ${previous}`,
      });
      return true;
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return false;
      throw err;
    }
  }

  async claimPending(
    device: Device,
    pending: PendingRestorePoint,
    nextDueAt?: Date,
  ): Promise<Device | undefined> {
    const operations: PatchOperation[] = [{ op: 'set', path: '/pending', value: pending }];
    if (device.protectionBlocked) operations.push({ op: 'set', path: '/protectionBlocked', value: null });
    if (nextDueAt) {
      operations.push(
        { op: 'set', path: '/nextDueAt', value: nextDueAt.toISOString() },
        { op: 'set', path: '/nextDueAtMs', value: nextDueAt.getTime() },
      );
    }
    try {
      const { resource } = await this.container
        .item(device.id, device.tenantId)
        .patch<DeviceDocument>(
          operations,
          device.version ? { accessCondition: { type: 'IfMatch', condition: device.version } } : {},
        );
      return toDevice(resource!);
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async releasePending(device: Device, owner: string, now: Date): Promise<void> {
    try {
      await this.container.item(device.id, device.tenantId).patch({
        operations: [{ op: 'set', path: '/pending/leaseUntil', value: now.toISOString() }],
        condition: `from c where c.pending.owner = '${owner.replace(/'/g, '')}'`,
      });
    } catch (err) {
      // Another invocation holds it now, or the point is done: nothing of ours to release.
      if (statusOf(err) !== 412 && statusOf(err) !== 404 && statusOf(err) !== 400) throw err;
    }
  }

  async clearPending(device: Device): Promise<Device> {
    const { resource } = await this.container
      .item(device.id, device.tenantId)
      .patch<DeviceDocument>([{ op: 'set', path: '/pending', value: null }]);
    return toDevice(resource!);
  }

  async blockProtection(device: Device, block: ProtectionBlock, nextDueAt?: Date): Promise<void> {
    const operations: PatchOperation[] = [
      { op: 'set', path: '/protectionBlocked', value: device.protectionBlocked ?? block },
    ];
    if (nextDueAt) {
      operations.push(
        { op: 'set', path: '/nextDueAt', value: nextDueAt.toISOString() },
        { op: 'set', path: '/nextDueAtMs', value: nextDueAt.getTime() },
      );
    }
    try {
      await this.container.item(device.id, device.tenantId).patch(operations);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async recordVerified(device: Device, point: { takenAt: Date; name: string }, now: Date): Promise<Device> {
    const takenAtMs = point.takenAt.getTime();
    const histogram = this.histogramId(device.policyId, device.id);
    await this.ensureHistogram(device.tenantId, device.policyId, histogram);
    let current: Device | undefined = device;
    for (let attempt = 0; attempt < 5 && current; attempt += 1) {
      if (attempt > 0 && current.policyId !== device.policyId) break;
      const previousMs = current.lastVerifiedAt ? Date.parse(current.lastVerifiedAt) : undefined;
      // Forward only: a late worker for an older slot must not move the device back in time.
      if (previousMs !== undefined && previousMs >= takenAtMs) return current;
      const from = keyOf(current, now);
      const to = histogramKey({ licensed: current.licensed, lastVerifiedAt: point.takenAt }, now);
      const operations: OperationInput[] = [
        patchOperation(
          device.id,
          [
            { op: 'set', path: '/lastVerifiedAt', value: point.takenAt.toISOString() },
            { op: 'set', path: '/lastVerifiedAtMs', value: takenAtMs },
            { op: 'set', path: '/lastRestorePoint', value: point.name },
            { op: 'set', path: '/pending', value: null },
            { op: 'set', path: '/announced', value: 'protected' },
          ],
          // Exactly the state the histogram move was computed from; else read again and recompute.
          previousMs === undefined
            ? 'from c where IS_NULL(c.lastVerifiedAtMs)'
            : `from c where c.lastVerifiedAtMs = ${previousMs}`,
        ),
      ];
      if (from !== to) {
        operations.push(
          patchOperation(histogram, [
            { op: 'incr', path: `/buckets/${from}`, value: -1 },
            { op: 'incr', path: `/buckets/${to}`, value: 1 },
          ]),
        );
      }
      const outcome = await runBatch(this.container, device.tenantId, operations);
      if (outcome.ok) return toDevice(outcome.results[0]!.resourceBody as unknown as DeviceDocument);
      if (outcome.failedIndex !== undefined && outcome.failedIndex !== 0) {
        throw (
          outcome.error ??
          new Error(`Recording restore point ${point.name} failed with status ${outcome.failedStatus}`)
        );
      }
      current = await this.get(device.tenantId, device.id);
    }
    if (!current) throw new ConflictError('device-removed', `Device ${device.id} was removed`);
    throw new ConflictError(
      'precondition-failed',
      `Device ${device.id} keeps changing; the restore point will be recorded on retry`,
    );
  }

  async complianceTransitions(now: Date, pageSize: number): Promise<ComplianceTransition[]> {
    const { resources } = await this.container.items
      .query<DeviceDocument>({
        query:
          `SELECT TOP ${Math.floor(pageSize)} * FROM c WHERE c.type = 'device' AND c.scheduled = true AND NOT IS_NULL(c.lastVerifiedAtMs) AND (` +
          `(c.announced = 'protected' AND c.lastVerifiedAtMs < @now - c.rpoMs) OR ` +
          `(c.announced != 'breached' AND c.lastVerifiedAtMs < @now - 2 * c.rpoMs))`,
        parameters: [{ name: '@now', value: now.getTime() }],
      })
      .fetchAll();
    return resources.map((document) => ({
      device: toDevice(document),
      to: document.lastVerifiedAtMs! < now.getTime() - 2 * document.rpoMs ? 'breached' : 'at-risk',
    }));
  }

  async announce(device: Device, state: AnnouncedCompliance): Promise<void> {
    await this.container
      .item(device.id, device.tenantId)
      .patch([{ op: 'set', path: '/announced', value: state }]);
  }

  async histograms(tenantId: string): Promise<PolicyHistogram[]> {
    const { resources } = await this.container.items
      .query<HistogramDocument>(
        {
          query: "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'histogram'",
          parameters: [{ name: '@tenant', value: tenantId }],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    const byPolicy = new Map<string, Record<string, number>>();
    for (const document of resources) {
      const sum = byPolicy.get(document.policyId) ?? {};
      for (const [key, count] of Object.entries(document.buckets)) sum[key] = (sum[key] ?? 0) + count;
      byPolicy.set(document.policyId, sum);
    }
    return [...byPolicy].map(([policyId, buckets]) => ({ policyId, buckets }));
  }

  async compactHistograms(now: Date): Promise<void> {
    const { resources } = await this.container.items
      .query<HistogramDocument>({
        query: "SELECT * FROM c WHERE c.type = 'histogram' AND c.region = @region",
        parameters: [{ name: '@region', value: this.region }],
      })
      .fetchAll();
    for (const document of resources) {
      const keys = compactableKeys(document.buckets, now);
      if (keys.length === 0) continue;
      const buckets = { ...document.buckets };
      let folded = 0;
      for (const key of keys) {
        folded += buckets[key] ?? 0;
        delete buckets[key];
      }
      buckets['old'] = (buckets['old'] ?? 0) + folded;
      const { _etag, ...rest } = document;
      try {
        await this.container
          .item(document.id, document.tenantId)
          .replace({ ...rest, buckets }, { accessCondition: { type: 'IfMatch', condition: _etag! } });
      } catch (err) {
        // A worker moved a device meanwhile: the next run compacts this document.
        if (statusOf(err) !== 412) throw err;
      }
    }
  }

  async applyProtection(
    tenantId: string,
    policyId: string,
    protection: DeviceProtection,
    rescheduleFrom?: Date,
  ): Promise<number> {
    const query = this.container.items.query<DeviceDocument>(
      {
        query: "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND c.policyId = @policy",
        parameters: [
          { name: '@tenant', value: tenantId },
          { name: '@policy', value: policyId },
        ],
      },
      { partitionKey: tenantId, maxItemCount: 500 },
    );
    let updated = 0;
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      await Promise.all(
        resources.map((document) =>
          this.container
            .item(document.id, tenantId)
            .patch([
              { op: 'set', path: '/protection', value: protection },
              { op: 'set', path: '/rpoMs', value: rpoMs(protection.rpoHours) },
              { op: 'set', path: '/scheduled', value: document.licensed && protection.enabled },
              ...reschedule(document.id, protection, rescheduleFrom),
            ]),
        ),
      );
      updated += resources.length;
    }
    return updated;
  }

  async countByPolicy(tenantId: string, policyId: string, primaryRegion?: string): Promise<number> {
    const parameters: SqlParameter[] = [
      { name: '@tenant', value: tenantId },
      { name: '@policy', value: policyId },
    ];
    let query =
      "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND c.policyId = @policy";
    if (primaryRegion) {
      query += ' AND c.primaryRegion = @region';
      parameters.push({ name: '@region', value: primaryRegion });
    }
    const { resources } = await this.container.items
      .query<number>({ query, parameters }, { partitionKey: tenantId })
      .fetchAll();
    return resources[0] ?? 0;
  }

  async claimForRecovery(tenantId: string, deviceId: string, recovery: DeviceRecovery): Promise<boolean> {
    return await this.patchRecovery(tenantId, deviceId, recovery, claimCondition(recovery));
  }

  /**
   * Claims go in transactional batches of up to 100 conditional patches (one request instead of
   * 100). A batch is all or nothing, so one device already held by another activation (or gone)
   * fails its batch: that batch's devices are then claimed each on its own, all at once, as
   * `claimForRecovery` does.
   */
  async claimAllForRecovery(
    tenantId: string,
    claims: readonly { deviceId: string; recovery: DeviceRecovery }[],
  ): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (let start = 0; start < claims.length; start += maxBatchOperations) {
      const chunk = claims.slice(start, start + maxBatchOperations);
      const outcome = await runBatch(
        this.container,
        tenantId,
        chunk.map(({ deviceId, recovery }) =>
          patchOperation(
            deviceId,
            [{ op: 'set', path: '/recovery', value: recovery }],
            claimCondition(recovery),
          ),
        ),
      );
      if (outcome.ok) {
        for (const { deviceId } of chunk) claimed.add(deviceId);
        continue;
      }
      await Promise.all(
        chunk.map(async ({ deviceId, recovery }) => {
          if (await this.claimForRecovery(tenantId, deviceId, recovery)) claimed.add(deviceId);
        }),
      );
    }
    return claimed;
  }

  async setRecovery(
    tenantId: string,
    deviceId: string,
    activationId: string,
    recovery: DeviceRecovery | null,
  ): Promise<boolean> {
    return await this.patchRecovery(
      tenantId,
      deviceId,
      recovery,
      `from c where IS_DEFINED(c.recovery) AND NOT IS_NULL(c.recovery) AND c.recovery.activationId = ${sqlString(activationId)}`,
    );
  }

  async findByUpn(tenantId: string, upn: string): Promise<Device[]> {
    const { resources } = await this.container.items
      .query<DeviceDocument>(
        {
          query: "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND LOWER(c.upn) = @upn",
          parameters: [
            { name: '@tenant', value: tenantId },
            { name: '@upn', value: upn.toLowerCase() },
          ],
        },
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map(toDevice);
  }

  /** A conditional patch of the device's recovery: 412 (condition false) and 404 are `false`. */
  private async patchRecovery(
    tenantId: string,
    deviceId: string,
    recovery: DeviceRecovery | null,
    condition: string,
  ): Promise<boolean> {
    try {
      await this.container
        .item(deviceId, tenantId)
        .patch({ operations: [{ op: 'set', path: '/recovery', value: recovery }], condition });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 404) return false;
      throw err;
    }
  }

  async licenseWaiting(tenantId: string, licences: number): Promise<number> {
    await this.ensure(tenantId, licenceCounterId, { type: 'licences', used: 0 });
    const query = this.container.items.query<DeviceDocument>(
      {
        query:
          "SELECT * FROM c WHERE c.tenantId = @tenant AND c.type = 'device' AND c.licensed = false ORDER BY c.createdAt",
        parameters: [{ name: '@tenant', value: tenantId }],
      },
      { partitionKey: tenantId, maxItemCount: 100 },
    );
    let licensed = 0;
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      for (const document of resources) {
        const histogram = this.histogramId(document.policyId, document.id);
        await this.ensureHistogram(tenantId, document.policyId, histogram);
        const outcome = await runBatch(this.container, tenantId, [
          patchOperation(
            document.id,
            [
              { op: 'set', path: '/licensed', value: true },
              { op: 'set', path: '/scheduled', value: document.protection.enabled },
            ],
            'from c where c.licensed = false',
          ),
          patchOperation(
            licenceCounterId,
            [{ op: 'incr', path: '/used', value: 1 }],
            `from c where c.used < ${Math.floor(licences)}`,
          ),
          patchOperation(histogram, [
            { op: 'incr', path: `/buckets/${'unlicensed' satisfies HistogramKey}`, value: -1 },
            { op: 'incr', path: `/buckets/${'never' satisfies HistogramKey}`, value: 1 },
          ]),
        ]);
        if (outcome.ok) licensed += 1;
        else if (outcome.failedIndex === 1 || (await this.licencesExhausted(tenantId, licences)))
          return licensed;
        // Otherwise the device changed or went meanwhile: the next one.
      }
    }
    return licensed;
  }

  private histogramId(policyId: string, deviceId: string): string {
    return `histogram:${policyId}:${this.region}:${stableHash32(deviceId) % shardsPerRegion}`;
  }

  private async ensureHistogram(tenantId: string, policyId: string, id: string): Promise<void> {
    await this.ensure(tenantId, id, { type: 'histogram', policyId, region: this.region, buckets: {} });
  }

  /** Creates a helper document once; a concurrent creator winning is as good. */
  private async ensure(tenantId: string, id: string, body: Record<string, unknown>): Promise<void> {
    const key = `${tenantId}/${id}`;
    if (this.ensured.has(key)) return;
    try {
      await this.container.items.create({ id, tenantId, ...body });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    this.ensured.add(key);
  }

  private async licencesExhausted(tenantId: string, licences: number): Promise<boolean> {
    const { resource } = await this.container.item(licenceCounterId, tenantId).read<{ used: number }>();
    return (resource?.used ?? 0) >= licences;
  }
}

function reschedule(
  deviceId: string,
  protection: DeviceProtection,
  from: Date | undefined,
): PatchOperation[] {
  if (!from) return [];
  const next = nextSlotStart(deviceId, rpoMs(protection.rpoHours), from);
  return [
    { op: 'set', path: '/nextDueAt', value: next.toISOString() },
    { op: 'set', path: '/nextDueAtMs', value: next.getTime() },
  ];
}

function createOperation(document: DeviceDocument): OperationInput {
  return { operationType: 'Create', resourceBody: document as unknown as JSONObject };
}

function exists(id: string): ConflictError {
  return new ConflictError('device-exists', `Device ${id} is already registered`);
}

function keyOf(device: Device, now: Date): HistogramKey {
  return histogramKey(
    device.lastVerifiedAt
      ? { licensed: device.licensed, lastVerifiedAt: new Date(device.lastVerifiedAt) }
      : { licensed: device.licensed },
    now,
  );
}

/**
 * Every query of a tenant's partition also names the tenant: Cosmos DB scopes it by the partition
 * key anyway, and the embedded emulator does not.
 */
function filterQuery(
  tenantId: string,
  filter: DeviceFilter,
  now: Date,
): { query: string; parameters: SqlParameter[] } {
  const conditions = ['c.tenantId = @tenant', "c.type = 'device'"];
  const parameters: SqlParameter[] = [
    { name: '@tenant', value: tenantId },
    { name: '@now', value: now.getTime() },
  ];
  if (filter.policyId) {
    conditions.push('c.policyId = @policy');
    parameters.push({ name: '@policy', value: filter.policyId });
  }
  if (filter.primaryRegion) {
    conditions.push('c.primaryRegion = @region');
    parameters.push({ name: '@region', value: filter.primaryRegion });
  }
  if (filter.priorityTier !== undefined) {
    conditions.push('c.priorityTier = @tier');
    parameters.push({ name: '@tier', value: filter.priorityTier });
  }
  const protectable = 'c.licensed = true AND c.protection.enabled = true';
  switch (filter.status) {
    case 'unlicensed':
      conditions.push('c.licensed = false');
      break;
    case 'disabled':
      conditions.push('c.licensed = true AND c.protection.enabled = false');
      break;
    case 'not-yet-protected':
      conditions.push(`${protectable} AND IS_NULL(c.lastVerifiedAtMs)`);
      break;
    case 'protected':
      conditions.push(`${protectable} AND c.lastVerifiedAtMs >= @now - c.rpoMs`);
      break;
    case 'at-risk':
      conditions.push(
        `${protectable} AND c.lastVerifiedAtMs < @now - c.rpoMs AND c.lastVerifiedAtMs >= @now - 2 * c.rpoMs`,
      );
      break;
    case 'breached':
      conditions.push(`${protectable} AND c.lastVerifiedAtMs < @now - 2 * c.rpoMs`);
      break;
    case undefined:
      break;
  }
  return { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.id`, parameters };
}

function toDocument(device: Omit<Device, 'version'>): DeviceDocument {
  const { pending, recovery, ...rest } = device;
  return {
    ...rest,
    type: 'device',
    pending: pending ?? null,
    recovery: recovery ?? null,
    nextDueAtMs: Date.parse(device.nextDueAt),
    lastVerifiedAtMs: device.lastVerifiedAt ? Date.parse(device.lastVerifiedAt) : null,
    rpoMs: rpoMs(device.protection.rpoHours),
    scheduled: device.licensed && device.protection.enabled,
  };
}

function toDevice(document: DeviceDocument): Device {
  const device: Device = {
    id: document.id,
    tenantId: document.tenantId,
    upn: document.upn,
    primaryRegion: document.primaryRegion,
    disk: document.disk,
    policyId: document.policyId,
    priorityTier: document.priorityTier,
    licensed: document.licensed,
    protection: document.protection,
    nextDueAt: document.nextDueAt,
    announced: document.announced,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
  };
  if (document.lastVerifiedAt) device.lastVerifiedAt = document.lastVerifiedAt;
  if (document.lastRestorePoint) device.lastRestorePoint = document.lastRestorePoint;
  if (document.pending) device.pending = document.pending;
  if (document.recovery) device.recovery = document.recovery;
  if (document.protectionBlocked) device.protectionBlocked = document.protectionBlocked;
  if (document._etag) device.version = document._etag;
  return device;
}

/** A string literal for a patch condition, which takes no parameters. */
function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Cosmos DB's limit of operations in one transactional batch. */
const maxBatchOperations = 100;

/** A device is free to claim when no activation holds it, or this one already does. */
function claimCondition(recovery: DeviceRecovery): string {
  return `from c where NOT IS_DEFINED(c.recovery) OR IS_NULL(c.recovery) OR c.recovery.activationId = ${sqlString(recovery.activationId)}`;
}
