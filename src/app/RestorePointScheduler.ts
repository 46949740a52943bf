/**
 * The timer's use case: finds devices whose restore point is due, page by page, and sends one
 * message per device; then moves each device's next due time to its next slot. Sending comes
 * before moving on, so a crash between the two re-sends (harmless: the worker is idempotent by
 * slot) rather than loses a slot. Also announces RPO transitions and compacts the histogram.
 */
import type { Device } from '../domain/device';
import { ensureErrorType } from '../domain/errors';
import { rpoMs, slotIndex, slotStart } from '../domain/rpo';
import type { Tenant } from '../domain/tenant';
import type { DeviceStore } from '../ports/DeviceStore';
import type { EventLog } from '../ports/EventLog';
import type { TenantStore } from '../ports/TenantStore';
import type { WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
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

export class RestorePointScheduler {
  private readonly pageSize: number;
  private readonly maxDevicesPerRun: number;

  constructor(
    private readonly devices: DeviceStore,
    private readonly tenants: TenantStore,
    private readonly queue: WorkQueue,
    private readonly events: EventLog,
    options: SchedulerOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.maxDevicesPerRun = options.maxDevicesPerRun ?? 200_000;
  }

  async run(now: Date): Promise<SchedulerRun> {
    const run: SchedulerRun = { dispatched: 0, paused: 0, transitions: 0 };
    run.transitions = await this.announceTransitions(now);
    const tenants = new Map<string, Promise<Tenant | undefined>>();
    const seen = new Set<string>();
    while (seen.size < this.maxDevicesPerRun) {
      // Devices dispatched drop out of the query as their due time moves on; no continuation
      // token is needed, and none can go stale while the set changes under it.
      const page = (await this.devices.due(now, this.pageSize)).filter((d) => !seen.has(`${d.tenantId}/${d.id}`));
      if (page.length === 0) break;
      for (const device of page) seen.add(`${device.tenantId}/${device.id}`);

      const outage = await Promise.all(
        page.map(async (device) => {
          let tenant = tenants.get(device.tenantId);
          if (!tenant) tenants.set(device.tenantId, (tenant = this.tenants.get(device.tenantId)));
          return (await tenant)?.regionsInOutage.includes(device.primaryRegion) ?? false;
        }),
      );
      const toSend = page.filter((_, i) => !outage[i]);
      run.paused += page.length - toSend.length;
      if (toSend.length > 0) {
        await this.queue.send(
          QueueNames.restorePoints,
          toSend.map((device) => {
            const body = this.request(device, now);
            return { id: restorePointMessageId(body), body, properties: { tenantId: device.tenantId, kind: 'scheduled' } };
          }),
        );
        run.dispatched += toSend.length;
      }
      await mapConcurrently(page, 16, (device) => this.devices.advanceSchedule(device, this.nextDue(device, now)));
    }
    await this.devices.compactHistograms(now).catch((err: unknown) =>
      this.events.emit('histogram.compaction-failed', { reason: ensureErrorType(err).message }),
    );
    return run;
  }

  /** The current slot: after a pause or an outage, missed slots are not backfilled. */
  private request(device: Device, now: Date): RestorePointRequest {
    const rpo = rpoMs(device.protection.rpoHours);
    const takenAt = slotStart(device.id, rpo, slotIndex(device.id, rpo, now));
    return { tenantId: device.tenantId, deviceId: device.id, takenAt: takenAt.toISOString(), kind: 'scheduled', attempt: 1, check: 0 };
  }

  private nextDue(device: Device, now: Date): Date {
    const rpo = rpoMs(device.protection.rpoHours);
    return slotStart(device.id, rpo, slotIndex(device.id, rpo, now) + 1);
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
        await this.devices.announce(device, to);
      }
      count += transitions.length;
    }
    return count;
  }
}
