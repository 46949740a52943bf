/** A device's restore points as the backup region holds them, and manual restore points on demand. */
import { anyScopeContains } from '../domain/diskScope';
import { NotFoundError, RuleViolationError } from '../domain/errors';
import { restorePointName, type RestorePoint } from '../domain/restorePoint';
import type { Clock } from '../ports/Clock';
import type { DeviceStore } from '../ports/DeviceStore';
import type { RestorePointStore } from '../ports/RestorePointStore';
import type { TenantStore } from '../ports/TenantStore';
import type { WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
import { restorePointMessageId, type RestorePointRequest } from './restorePointRequest';

export class RestorePointService {
  constructor(
    private readonly devices: DeviceStore,
    private readonly tenants: TenantStore,
    private readonly points: RestorePointStore,
    private readonly queue: WorkQueue,
    private readonly clock: Clock,
  ) {}

  /** Read from the backup region's storage alone: works with the primary region gone. */
  async list(tenantId: string, deviceId: string): Promise<RestorePoint[]> {
    const device = await this.devices.get(tenantId, deviceId);
    if (!device) throw new NotFoundError(`Device ${deviceId}`);
    return await this.points.list(device.protection.backupRegion, device.tenantId, deviceId);
  }

  /** Queues a manual restore point now; the worker takes it like a scheduled one. */
  async requestManual(tenantId: string, deviceId: string): Promise<{ name: string; takenAt: string }> {
    const [device, tenant] = await Promise.all([
      this.devices.get(tenantId, deviceId),
      this.tenants.get(tenantId),
    ]);
    if (!device) throw new NotFoundError(`Device ${deviceId}`);
    if (!anyScopeContains(tenant?.diskScopes ?? [], device.primaryRegion, device.disk))
      throw new RuleViolationError(
        'disk-not-in-scopes',
        `The disk of device ${deviceId} is not in the tenant's disk scopes; a platform admin grants them`,
        'path.deviceId',
      );
    if (!device.licensed)
      throw new RuleViolationError(
        'device-unlicensed',
        `Device ${deviceId} holds no licence, so it is not protected`,
        'path.deviceId',
      );
    if (!device.protection.enabled)
      throw new RuleViolationError(
        'policy-disabled',
        `The policy of device ${deviceId} is disabled`,
        'path.deviceId',
      );
    // Whole seconds: two requests in the same second are one point, not two.
    const takenAt = new Date(Math.floor(this.clock.now().getTime() / 1000) * 1000);
    const request: RestorePointRequest = {
      tenantId,
      deviceId,
      takenAt: takenAt.toISOString(),
      kind: 'manual',
      attempt: 1,
      check: 0,
    };
    await this.queue.send(QueueNames.restorePoints, [
      { id: restorePointMessageId(request), body: request, properties: { tenantId, kind: 'manual' } },
    ]);
    return { name: restorePointName(device.tenantId, deviceId, takenAt), takenAt: request.takenAt };
  }
}
