/** A device's restore points as the backup region holds them, and manual restore points on demand. */
import type { Device } from '../domain/device';
import { anyScopeContains, type DiskScope } from '../domain/diskScope';
import { NotFoundError, RuleViolationError } from '../domain/errors';
import { restorePointName, type RestorePoint } from '../domain/restorePoint';
import type { Clock } from '../ports/Clock';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import type { PolicyStore } from '../ports/PolicyStore';
import type { RestorePointStore } from '../ports/RestorePointStore';
import type { TenantStore } from '../ports/TenantStore';
import type { WorkMessage, WorkQueue } from '../ports/WorkQueue';
import { QueueNames } from '../queueNames';
import { restorePointMessageId, type RestorePointRequest } from './restorePointRequest';

/** Why a manual point of a device is refused: the codes the single-device request answers 400 with. */
export type ManualPointRefusal = 'disk-not-in-scopes' | 'device-unlicensed' | 'policy-disabled';

export const manualPointRefusals: readonly ManualPointRefusal[] = [
  'disk-not-in-scopes',
  'device-unlicensed',
  'policy-disabled',
];

/** What a manual point for every device of a policy queued, and what it skipped and why. */
export interface PolicyPointsOutcome {
  policyId: string;
  /** The one request time of every point queued: it fixes their names, as for a single device. */
  takenAt: string;
  queued: number;
  skipped: number;
  /** Every refusal code, with how many devices it skipped (0 for none). */
  skippedByReason: Record<ManualPointRefusal, number>;
  /** The first skipped devices in listing order, at most `maxSkippedListed`: enough to act on at any fleet size. */
  skippedDevices: { deviceId: string; reason: ManualPointRefusal }[];
}

/** Skipped devices named in the answer; the counts cover all of them. */
export const maxSkippedListed = 100;

export interface RestorePointServiceDependencies {
  devices: DeviceRegistry;
  tenants: TenantStore;
  policies: PolicyStore;
  points: RestorePointStore;
  queue: WorkQueue;
  clock: Clock;
}

export interface RestorePointServiceOptions {
  /** Devices read per page by a request for a whole policy (one page in memory at a time). */
  policyPageSize?: number;
}

export class RestorePointService {
  private readonly devices: DeviceRegistry;
  private readonly tenants: TenantStore;
  private readonly policies: PolicyStore;
  private readonly points: RestorePointStore;
  private readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly policyPageSize: number;

  constructor(dependencies: RestorePointServiceDependencies, options: RestorePointServiceOptions = {}) {
    this.devices = dependencies.devices;
    this.tenants = dependencies.tenants;
    this.policies = dependencies.policies;
    this.points = dependencies.points;
    this.queue = dependencies.queue;
    this.clock = dependencies.clock;
    this.policyPageSize = options.policyPageSize ?? 500;
  }

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
    const refusal = manualPointRefusal(device, tenant?.diskScopes ?? []);
    if (refusal) throw new RuleViolationError(refusal, refusalDetail(refusal, deviceId), 'path.deviceId');
    const takenAt = this.requestTime();
    await this.queue.send(QueueNames.restorePoints, [manualPointMessage(device, takenAt)]);
    return { name: restorePointName(device.tenantId, deviceId, takenAt), takenAt: takenAt.toISOString() };
  }

  /**
   * Queues a manual restore point of every device of the policy that a single request would take
   * (licensed, its policy on, its disk in the tenant's scopes), and counts the others with why.
   * Devices are read a page at a time, the next page read while this one's messages go out, so a
   * fleet is never held in memory. Every point has the same request time, in whole seconds like a
   * single device's: a repeated request within the second sends the same messages (the same ids,
   * which Service Bus drops, and the worker records once per device and time either way).
   */
  async requestManualForPolicy(tenantId: string, policyId: string): Promise<PolicyPointsOutcome> {
    const [tenant, policy] = await Promise.all([
      this.tenants.get(tenantId),
      this.policies.get(tenantId, policyId),
    ]);
    if (!tenant) throw new NotFoundError(`Tenant ${tenantId}`);
    if (!policy) throw new NotFoundError(`Policy ${policyId}`);
    if (!policy.enabled)
      throw new RuleViolationError(
        'policy-disabled',
        `Policy ${policyId} is disabled, so none of its devices is protected`,
        'path.policyId',
      );
    const takenAt = this.requestTime();
    const outcome: PolicyPointsOutcome = {
      policyId,
      takenAt: takenAt.toISOString(),
      queued: 0,
      skipped: 0,
      skippedByReason: Object.fromEntries(manualPointRefusals.map((r) => [r, 0])) as Record<
        ManualPointRefusal,
        number
      >,
      skippedDevices: [],
    };
    const now = this.clock.now();
    const pageOf = (continuationToken?: string) =>
      this.devices.list(
        tenantId,
        { policyId },
        continuationToken
          ? { pageSize: this.policyPageSize, continuationToken }
          : { pageSize: this.policyPageSize },
        now,
      );
    let page = await pageOf();
    for (;;) {
      const next = page.continuationToken ? pageOf(page.continuationToken) : undefined;
      // A failed send leaves the next page's read unobserved: it is caught here, the send's error thrown.
      void next?.catch(() => undefined);
      const messages: WorkMessage<RestorePointRequest>[] = [];
      for (const device of page.items) {
        const refusal = manualPointRefusal(device, tenant.diskScopes);
        if (!refusal) {
          messages.push(manualPointMessage(device, takenAt));
          continue;
        }
        outcome.skipped += 1;
        outcome.skippedByReason[refusal] += 1;
        if (outcome.skippedDevices.length < maxSkippedListed)
          outcome.skippedDevices.push({ deviceId: device.id, reason: refusal });
      }
      await this.queue.send(QueueNames.restorePoints, messages);
      outcome.queued += messages.length;
      if (!next) return outcome;
      page = await next;
    }
  }

  /** Whole seconds: two requests in the same second are one point, not two. */
  private requestTime(): Date {
    return new Date(Math.floor(this.clock.now().getTime() / 1000) * 1000);
  }
}

/** Why a manual point of the device is refused now, if it is; the order is the single request's. */
export function manualPointRefusal(
  device: Device,
  scopes: readonly DiskScope[],
): ManualPointRefusal | undefined {
  if (!anyScopeContains(scopes, device.primaryRegion, device.disk)) return 'disk-not-in-scopes';
  if (!device.licensed) return 'device-unlicensed';
  if (!device.protection.enabled) return 'policy-disabled';
  return undefined;
}

function refusalDetail(refusal: ManualPointRefusal, deviceId: string): string {
  switch (refusal) {
    case 'disk-not-in-scopes':
      return `The disk of device ${deviceId} is not in the tenant's disk scopes; a platform admin grants them`;
    case 'device-unlicensed':
      return `Device ${deviceId} holds no licence, so it is not protected`;
    case 'policy-disabled':
      return `The policy of device ${deviceId} is disabled`;
  }
}

/** The message of a manual point: its id is fixed by device and request time, as the worker expects. */
function manualPointMessage(device: Device, takenAt: Date): WorkMessage<RestorePointRequest> {
  const request: RestorePointRequest = {
    tenantId: device.tenantId,
    deviceId: device.id,
    takenAt: takenAt.toISOString(),
    kind: 'manual',
    attempt: 1,
    check: 0,
  };
  return {
    id: restorePointMessageId(request),
    body: request,
    properties: { tenantId: device.tenantId, kind: 'manual' },
  };
}
