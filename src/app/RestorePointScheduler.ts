/**
 * The timer's use case: finds devices whose restore point is due, page by page, and sends one
 * message per device. The worker that claims a slot moves the device on, so a message lost on the
 * way is sent again by the next run rather than losing the slot; the worker is idempotent by slot.
 * Also announces RPO transitions and compacts the histogram.
 */
import type { Device } from '../domain/device';
import { ensureErrorType } from '../domain/errors';
import { nextScheduledSlot, rpoMs, slotIndex, slotStart } from '../domain/rpo';
import type { Tenant } from '../domain/tenant';
import type { ComplianceIndex } from '../ports/ComplianceIndex';
import type { ProtectionSchedule } from '../ports/ProtectionSchedule';
import type { EventLog } from '../ports/EventLog';
import type { TenantStore } from '../ports/TenantStore';
import type { WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
import type { AuditTrail } from './AuditTrail';
import { deviceTarget } from './auditTargets';
import { mapConcurrently } from './mapConcurrently';
import { restorePointMessageId, type RestorePointRequest } from './restorePointRequest';

export interface SchedulerRun {
  dispatched: number;
  /** Due devices whose primary region is in outage mode: moved on without a message. */
  paused: number;
  transitions: number;
}

export interface SchedulerOptions {
  pageSize?: number;
  /** A bound on one run's work; what is left is due again on the next tick. */
  maxDevicesPerRun?: number;
}

export interface RestorePointSchedulerDependencies {
  devices: ProtectionSchedule & ComplianceIndex;
  tenants: TenantStore;
  queue: WorkQueue;
  events: EventLog;
  audit: AuditTrail;
}

export class RestorePointScheduler {
  private readonly devices: ProtectionSchedule & ComplianceIndex;
  private readonly tenants: TenantStore;
  private readonly queue: WorkQueue;
  private readonly events: EventLog;
  private readonly audit: AuditTrail;
  private readonly pageSize: number;
  private readonly maxDevicesPerRun: number;

  constructor(dependencies: RestorePointSchedulerDependencies, options: SchedulerOptions = {}) {
    this.devices = dependencies.devices;
    this.tenants = dependencies.tenants;
    this.queue = dependencies.queue;
    this.events = dependencies.events;
    this.audit = dependencies.audit;
    this.pageSize = options.pageSize ?? 500;
    this.maxDevicesPerRun = options.maxDevicesPerRun ?? 200_000;
  }

  async run(now: Date): Promise<SchedulerRun> {
    const run: SchedulerRun = { dispatched: 0, paused: 0, transitions: 0 };
    run.transitions = await this.announceTransitions(now);
    const tenants = new Map<string, Promise<Tenant | undefined>>();
    let continuationToken: string | undefined;
    let seen = 0;
    do {
      const page = await this.devices.due(
        now,
        continuationToken ? { pageSize: this.pageSize, continuationToken } : { pageSize: this.pageSize },
      );
      continuationToken = page.continuationToken;
      seen += page.items.length;

      const outage = await Promise.all(
        page.items.map(async (device) => {
          let tenant = tenants.get(device.tenantId);
          if (!tenant) tenants.set(device.tenantId, (tenant = this.tenants.get(device.tenantId)));
          return (await tenant)?.regionsInOutage.includes(device.primaryRegion) ?? false;
        }),
      );
      const toSend = page.items.filter((_, i) => !outage[i]);
      const paused = page.items.filter((_, i) => outage[i]);
      // Devices are moved on by the worker that claims their slot, not here: a message lost before
      // that is sent again by the next run (and dropped as a duplicate by Service Bus if it was not).
      if (toSend.length > 0) {
        await this.queue.send(
          QueueNames.restorePoints,
          toSend.map((device) => {
            const body = this.request(device, now);
            return {
              id: restorePointMessageId(body),
              body,
              properties: { tenantId: device.tenantId, kind: 'scheduled' },
            };
          }),
        );
        run.dispatched += toSend.length;
      }
      // Paused devices are moved on without a message: no failures pile up while the region is out.
      await mapConcurrently(paused, 16, (device) =>
        this.devices.advanceSchedule(device, nextScheduledSlot(device, now)),
      );
      run.paused += paused.length;
    } while (continuationToken && seen < this.maxDevicesPerRun);
    await this.devices
      .compactHistograms(now)
      .catch((err: unknown) =>
        this.events.emit('histogram.compaction-failed', { reason: ensureErrorType(err).message }),
      );
    return run;
  }

  /**
   * The current slot: after a pause or an outage, missed slots are not backfilled. The device as
   * read rides along, so the worker needs no read of its own while the device is unchanged.
   */
  private request(device: Device, now: Date): RestorePointRequest {
    const rpo = rpoMs(device.protection.rpoHours);
    const takenAt = slotStart(device.id, rpo, slotIndex(device.id, rpo, now));
    return {
      tenantId: device.tenantId,
      deviceId: device.id,
      takenAt: takenAt.toISOString(),
      kind: 'scheduled',
      attempt: 1,
      check: 0,
      device,
    };
  }

  private async announceTransitions(now: Date): Promise<number> {
    let count = 0;
    for (let page = 0; page < 100; page += 1) {
      const transitions = await this.devices.complianceTransitions(now, this.pageSize);
      if (transitions.length === 0) break;
      for (const { device, to } of transitions) {
        this.events.emit(`rpo.${to}`, {
          tenantId: device.tenantId,
          deviceId: device.id,
          primaryRegion: device.primaryRegion,
          rpoHours: device.protection.rpoHours,
          lastVerifiedAt: device.lastVerifiedAt,
        });
        if (to === 'breached') {
          await this.audit.system(device.tenantId, 'rpo.breached', deviceTarget(device.tenantId, device.id), {
            outcome: 'failed',
            detail: `no verified restore point since ${device.lastVerifiedAt ?? 'registration'} (RPO ${device.protection.rpoHours} h)`,
          });
        }
        await this.devices.announce(device, to);
      }
      count += transitions.length;
    }
    return count;
  }
}
