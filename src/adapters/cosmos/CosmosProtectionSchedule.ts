/**
 * The protection schedule in Cosmos DB: which devices are due, and the restore point in progress
 * on each, all as conditional patches of the device document.
 */
import type { PatchOperation } from '@azure/cosmos';
import type { Device, PendingRestorePoint, ProtectionBlock } from '../../domain/device';
import { nextAnnouncementAtMs } from '../../domain/rpo';
import type { Page, PageRequest } from '../../ports/Page';
import type { ProtectionSchedule } from '../../ports/ProtectionSchedule';
import { toDevice, type DeviceDocument } from './deviceDocument';
import type { DevicePartition } from './DevicePartition';
import { dueQuery } from './deviceQueries';
import { statusOf } from './statusOf';

/** Legacy documents given their timer fields at once, per page of `due`. */
const backfillConcurrency = 16;

export class CosmosProtectionSchedule implements ProtectionSchedule {
  constructor(private readonly partition: DevicePartition) {}

  private get container() {
    return this.partition.container;
  }

  /**
   * Also the backfill of `announceAtMs` (migration on read): every scheduled device is due at least
   * once an RPO, so a document written before that field existed gets it here within one RPO of
   * this version's start, and the compliance timer finds it from then on.
   */
  async due(now: Date, page: PageRequest): Promise<Page<Device>> {
    // Continuation resumes after the last due time read, so devices leaving the set meanwhile
    // (their worker moved them on) do not shift the pages.
    const { resources, continuationToken } = await this.container.items
      .query<DeviceDocument>(dueQuery(now), {
        maxItemCount: page.pageSize,
        continuationToken: page.continuationToken,
      })
      .fetchNext();
    const documents = [...resources];
    const legacy = documents.flatMap((document, i) => (document.announceAtMs === undefined ? [i] : []));
    for (let start = 0; start < legacy.length; start += backfillConcurrency) {
      await Promise.all(
        legacy.slice(start, start + backfillConcurrency).map(async (i) => {
          // The patched document replaces the one read: its version is what the worker's claim checks.
          documents[i] = await this.backfill(documents[i]!);
        }),
      );
    }
    const items = documents.map(toDevice);
    return continuationToken ? { items, continuationToken } : { items };
  }

  async advanceSchedule(device: Device, nextDueAt: Date): Promise<boolean> {
    const previous = Date.parse(device.nextDueAt);
    try {
      await this.container.item(device.id, device.tenantId).patch({
        operations: nextDue(nextDueAt),
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
    if (nextDueAt) operations.push(...nextDue(nextDueAt));
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
    if (nextDueAt) operations.push(...nextDue(nextDueAt));
    try {
      await this.container.item(device.id, device.tenantId).patch(operations);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  /** Derives `announceAtMs` of a document written before it existed, unless a writer set it first. */
  private async backfill(document: DeviceDocument): Promise<DeviceDocument> {
    try {
      const { resource } = await this.container.item(document.id, document.tenantId).patch<DeviceDocument>({
        operations: [
          {
            op: 'set',
            path: '/announceAtMs',
            value: nextAnnouncementAtMs(document.lastVerifiedAtMs, document.rpoMs, document.announced),
          },
        ],
        condition: 'from c where NOT IS_DEFINED(c.announceAtMs)',
      });
      return resource ?? document;
    } catch (err) {
      // Written meanwhile (by a writer that set the field) or removed: the document as read.
      if (statusOf(err) !== 412 && statusOf(err) !== 404) throw err;
      return document;
    }
  }
}

function nextDue(at: Date): PatchOperation[] {
  return [
    { op: 'set', path: '/nextDueAt', value: at.toISOString() },
    { op: 'set', path: '/nextDueAtMs', value: at.getTime() },
  ];
}
