/**
 * The device registry in Cosmos DB: registration with its licence and histogram count in one
 * batch, lookups and lists of a tenant's devices, and the policy settings each device carries.
 */
import type { JSONObject, OperationInput, PatchOperation } from '@azure/cosmos';
import type { Device, DeviceProtection } from '../../domain/device';
import { ConflictError } from '../../domain/errors';
import type { HistogramKey } from '../../domain/complianceHistogram';
import { nextAnnouncementAtMs, nextSlotStart, rpoMs } from '../../domain/rpo';
import type { DeviceFilter, DeviceRegistry } from '../../ports/DeviceRegistry';
import type { Page, PageRequest } from '../../ports/Page';
import { patchOperation, runBatch } from './cosmosBatch';
import {
  keyOf,
  lastVerifiedIs,
  licenceCounterId,
  sqlString,
  toDevice,
  toDocument,
  type DeviceDocument,
} from './deviceDocument';
import type { DevicePartition } from './DevicePartition';
import { byPolicyQuery, byUpnQuery, countByPolicyQuery, filterQuery, waitingQuery } from './deviceQueries';
import { fetchPage } from './fetchPage';
import { statusOf } from './statusOf';

export class CosmosDeviceRegistry implements DeviceRegistry {
  constructor(private readonly partition: DevicePartition) {}

  private get container() {
    return this.partition.container;
  }

  async get(tenantId: string, id: string): Promise<Device | undefined> {
    return await this.partition.get(tenantId, id);
  }

  async register(device: Omit<Device, 'licensed' | 'version'>, licences: number): Promise<Device> {
    const histogram = this.partition.histogramId(device.policyId, device.id);
    await Promise.all([
      this.partition.ensureLicences(device.tenantId),
      this.partition.ensureHistogram(device.tenantId, device.policyId, histogram),
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
    if (
      first.failedStatus === undefined &&
      !(await this.partition.licencesExhausted(device.tenantId, licences))
    ) {
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
      const key = keyOf(current, this.partition.clock.now());
      const from = this.partition.histogramId(current.policyId, device.id);
      const to = this.partition.histogramId(device.policyId, device.id);
      await Promise.all([
        this.partition.ensureHistogram(device.tenantId, current.policyId, from),
        this.partition.ensureHistogram(device.tenantId, device.policyId, to),
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
      const histogram = this.partition.histogramId(current.policyId, id);
      await this.partition.ensureHistogram(tenantId, current.policyId, histogram);
      const operations: OperationInput[] = [
        // ifMatch on a batch delete is honoured by the service; the SDK's type omits it.
        { operationType: 'Delete', id, ifMatch: current.version } as OperationInput,
        patchOperation(histogram, [
          { op: 'incr', path: `/buckets/${keyOf(current, this.partition.clock.now())}`, value: -1 },
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

  async findByUpn(tenantId: string, upn: string): Promise<Device[]> {
    const { resources } = await this.container.items
      .query<DeviceDocument>(byUpnQuery(tenantId, upn), { partitionKey: tenantId })
      .fetchAll();
    return resources.map(toDevice);
  }

  async countByPolicy(tenantId: string, policyId: string, primaryRegion?: string): Promise<number> {
    const { resources } = await this.container.items
      .query<number>(countByPolicyQuery(tenantId, policyId, primaryRegion), { partitionKey: tenantId })
      .fetchAll();
    return resources[0] ?? 0;
  }

  async applyProtection(
    tenantId: string,
    policyId: string,
    protection: DeviceProtection,
    rescheduleFrom?: Date,
  ): Promise<number> {
    const query = this.container.items.query<DeviceDocument>(byPolicyQuery(tenantId, policyId), {
      partitionKey: tenantId,
      maxItemCount: 500,
    });
    let updated = 0;
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      const applied = await Promise.all(
        resources.map((document) => this.applyTo(document, protection, rescheduleFrom)),
      );
      updated += applied.filter(Boolean).length;
    }
    return updated;
  }

  /**
   * One device's copy of the policy. `announceAtMs` and `scheduled` derive from fields other writers
   * change (the last verified point, the announced state, the licence), so the patch holds only
   * while those are as read; else the device is read again. False when it is gone.
   */
  private async applyTo(
    read: DeviceDocument,
    protection: DeviceProtection,
    rescheduleFrom: Date | undefined,
  ): Promise<boolean> {
    let document: DeviceDocument | undefined = read;
    for (let attempt = 0; attempt < 5 && document; attempt += 1) {
      const rpo = rpoMs(protection.rpoHours);
      try {
        await this.container.item(document.id, document.tenantId).patch({
          operations: [
            { op: 'set', path: '/protection', value: protection },
            { op: 'set', path: '/rpoMs', value: rpo },
            { op: 'set', path: '/scheduled', value: document.licensed && protection.enabled },
            {
              op: 'set',
              path: '/announceAtMs',
              value: nextAnnouncementAtMs(document.lastVerifiedAtMs, rpo, document.announced),
            },
            ...reschedule(document.id, protection, rescheduleFrom),
          ],
          condition:
            `from c where ${lastVerifiedIs(document.lastVerifiedAtMs)} AND c.announced = ${sqlString(document.announced)}` +
            ` AND c.licensed = ${document.licensed}`,
        });
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        if (statusOf(err) !== 412) throw err;
      }
      const { resource } = await this.container.item(read.id, read.tenantId).read<DeviceDocument>();
      document = resource;
    }
    if (!document) return false;
    throw new ConflictError(
      'precondition-failed',
      `Device ${read.id} keeps changing; apply the policy again`,
    );
  }

  async licenseWaiting(tenantId: string, licences: number): Promise<number> {
    await this.partition.ensureLicences(tenantId);
    const query = this.container.items.query<DeviceDocument>(waitingQuery(tenantId), {
      partitionKey: tenantId,
      maxItemCount: 100,
    });
    let licensed = 0;
    while (query.hasMoreResults()) {
      const { resources } = await query.fetchNext();
      for (const document of resources) {
        const histogram = this.partition.histogramId(document.policyId, document.id);
        await this.partition.ensureHistogram(tenantId, document.policyId, histogram);
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
        else if (outcome.failedIndex === 1 || (await this.partition.licencesExhausted(tenantId, licences)))
          return licensed;
        // Otherwise the device changed or went meanwhile: the next one.
      }
    }
    return licensed;
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
