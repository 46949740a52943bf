/** A device's restore points as the backup region holds them, and manual restore points on demand. */
import type { Device } from '../domain/device';
import { anyScopeContains, type DiskScope } from '../domain/diskScope';
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors';
import { restorePointName, type RestorePoint } from '../domain/restorePoint';
import type { BulkPointRequests } from '../ports/BulkPointRequests';
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

export interface PolicyPointsOptions {
  /** Makes a retry of the request take the same points: see `requestManualForPolicy`. */
  idempotencyKey?: string;
}

/**
 * How long a bulk request's idempotency key is honoured: far beyond any retry of a failed request.
 * After it the key is forgotten, and the same key again is a new request at a new time.
 */
export const bulkRequestKeyRetentionInMs = 24 * 60 * 60_000;

/** Old keys forgotten by each new one: more than are made, so they never pile up. */
const forgottenPerRequest = 10;

export interface RestorePointServiceDependencies {
  devices: DeviceRegistry;
  tenants: TenantStore;
  policies: PolicyStore;
  points: RestorePointStore;
  queue: WorkQueue;
  clock: Clock;
  /** Where bulk requests with an idempotency key record their time. */
  bulkRequests: BulkPointRequests;
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
  private readonly bulkRequests: BulkPointRequests;
  private readonly policyPageSize: number;

  constructor(dependencies: RestorePointServiceDependencies, options: RestorePointServiceOptions = {}) {
    this.devices = dependencies.devices;
    this.tenants = dependencies.tenants;
    this.policies = dependencies.policies;
    this.points = dependencies.points;
    this.queue = dependencies.queue;
    this.clock = dependencies.clock;
    this.bulkRequests = dependencies.bulkRequests;
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
   *
   * With an idempotency key, the first request records its time under the key before it sends
   * anything, and a retry with the key takes that time again, whenever it comes: a request that
   * failed after queuing part of the set (a 503 on its deadline) is completed by its retry, each
   * device's point in the same slot, whose lease and record make it one point, never two. Devices
   * whose point of that slot is already recorded or in progress are counted, not sent again.
   */
  async requestManualForPolicy(
    tenantId: string,
    policyId: string,
    options: PolicyPointsOptions = {},
  ): Promise<PolicyPointsOutcome> {
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
    // The first page is read while the slot is recorded; nothing is sent before it is.
    const [slot, firstPage] = await Promise.all([
      this.slotOf(tenantId, policyId, options.idempotencyKey),
      pageOf(),
    ]);
    const { takenAt } = slot;
    // Old records go while this request's messages do; forgetting them is no part of its answer.
    const forgetting = slot.created
      ? this.forgetOldRequests(tenantId, takenAt).catch(() => undefined)
      : Promise.resolve();
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
    let page = firstPage;
    for (;;) {
      const next = page.continuationToken ? pageOf(page.continuationToken) : undefined;
      // A failed send leaves the next page's read unobserved: it is caught here, the send's error thrown.
      void next?.catch(() => undefined);
      const messages: WorkMessage<RestorePointRequest>[] = [];
      for (const device of page.items) {
        const refusal = manualPointRefusal(device, tenant.diskScopes);
        if (!refusal) {
          outcome.queued += 1;
          if (!(slot.repeated && slotTaken(device, takenAt)))
            messages.push(manualPointMessage(device, takenAt));
          continue;
        }
        outcome.skipped += 1;
        outcome.skippedByReason[refusal] += 1;
        if (outcome.skippedDevices.length < maxSkippedListed)
          outcome.skippedDevices.push({ deviceId: device.id, reason: refusal });
      }
      // One call for the page: the work queue spreads it over batches or concurrent sends.
      await this.queue.send(QueueNames.restorePoints, messages);
      if (!next) break;
      page = await next;
    }
    await forgetting;
    return outcome;
  }

  /**
   * The request's time: now, in whole seconds; with a key, the time recorded under the key by its
   * first request, which must have been for the same policy.
   */
  private async slotOf(
    tenantId: string,
    policyId: string,
    idempotencyKey: string | undefined,
  ): Promise<{ takenAt: Date; created: boolean; repeated: boolean }> {
    const takenAt = this.requestTime();
    if (idempotencyKey === undefined) return { takenAt, created: false, repeated: false };
    const { recorded, created } = await this.bulkRequests.recordOnce({
      tenantId,
      idempotencyKey,
      policyId,
      takenAt: takenAt.toISOString(),
    });
    if (recorded.policyId !== policyId)
      throw new ConflictError(
        'idempotency-key-reused',
        `Idempotency key "${idempotencyKey}" was used for the points of policy ${recorded.policyId}`,
      );
    return { takenAt: new Date(recorded.takenAt), created, repeated: !created };
  }

  /** Forgets keys older than their retention, a few at a time: each new key clears up after old ones. */
  private async forgetOldRequests(tenantId: string, takenAt: Date): Promise<void> {
    await this.bulkRequests.forgetRecordedBefore(
      tenantId,
      new Date(takenAt.getTime() - bulkRequestKeyRetentionInMs),
      forgottenPerRequest,
    );
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

/**
 * Whether the device's point of the slot is already recorded (or a newer one) or in progress:
 * its worker finishes it, so a retry of the request need not send it again.
 */
function slotTaken(device: Device, takenAt: Date): boolean {
  if (device.lastVerifiedAt && Date.parse(device.lastVerifiedAt) >= takenAt.getTime()) return true;
  return device.pending?.takenAt === takenAt.toISOString();
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
