/**
 * What an activation would do, without doing it: the devices it would target, read page by page as
 * its planning reads them (`ActivationScopeReader`), each decided by planning's own `draftTask`.
 * Nothing is written: no activation, no task, no claim. Only the claim itself cannot be previewed:
 * a device another activation claims in between is skipped as `already-active` by the real one.
 */
import { waveLabel, type ActivationScope } from '../domain/activation';
import type { SkipReason } from '../domain/recoveryTask';
import { systemClock, type Clock } from '../ports/Clock';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import { draftTask } from './ActivationPlanning';
import { ActivationScopeReader, type PlanCursor } from './ActivationScopeReader';
import { checkActivationScope } from './ActivationService';
import type { TenantService } from './TenantService';

export interface PreviewRequest {
  tenantId: string;
  scope: ActivationScope;
  recoverFirst: string[];
}

export interface ActivationPreviewResult {
  /** Whether the whole scope was read; false when the time budget ran out first (counts so far). */
  complete: boolean;
  total: number;
  toRecover: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** The devices that would be recovered, per wave in wave order. */
  waves: { wave: number; label: string; devices: number }[];
  /** The first skipped devices, in planning order. */
  skippedDevices: { deviceId: string; reason: SkipReason }[];
  /** Skipped devices beyond those listed. */
  skippedDevicesNotListed: number;
}

export interface ActivationPreviewOptions {
  /** Devices read per page. Larger than an activity's: the preview writes nothing per page. */
  pageSize?: number;
  concurrency?: number;
  /** Reading stops after this long and the answer says it is incomplete: the request's bound is 10 s. */
  budgetInMs?: number;
  /** How many skipped devices are listed by id. */
  listedSkips?: number;
  /** Measures the budget; the business clock stamps nothing here. */
  wallClock?: Clock;
}

/** Not an activation id (those are `act-` and hex): a device held by any activation is already active. */
const previewId = 'preview';

export class ActivationPreview {
  private readonly reader: ActivationScopeReader;
  private readonly budgetInMs: number;
  private readonly listedSkips: number;
  private readonly wallClock: Clock;

  constructor(
    private readonly deps: {
      devices: Pick<DeviceRegistry, 'get' | 'list'>;
      tenants: TenantService;
      knownRegions: ReadonlySet<string>;
      clock: Clock;
    },
    options: ActivationPreviewOptions = {},
  ) {
    this.reader = new ActivationScopeReader(deps.devices, deps.clock, {
      pageSize: options.pageSize ?? 5_000,
      concurrency: options.concurrency ?? 32,
    });
    this.budgetInMs = options.budgetInMs ?? 6_000;
    this.listedSkips = options.listedSkips ?? 100;
    this.wallClock = options.wallClock ?? systemClock;
  }

  async preview(request: PreviewRequest): Promise<ActivationPreviewResult> {
    const startedAt = this.wallClock.now().getTime();
    const tenant = await this.deps.tenants.get(request.tenantId);
    checkActivationScope(request.scope, this.deps.knownRegions);
    const activation = {
      id: previewId,
      tenantId: tenant.id,
      scope: request.scope,
      recoverFirst: request.recoverFirst,
    };
    const first = new Set(request.recoverFirst);
    const now = this.deps.clock.now().toISOString();
    const result: ActivationPreviewResult = {
      complete: false,
      total: 0,
      toRecover: 0,
      skipped: {},
      waves: [],
      skippedDevices: [],
      skippedDevicesNotListed: 0,
    };
    const perWave = new Map<number, number>();
    let cursor: PlanCursor | undefined;
    do {
      const page = await this.reader.page(activation, cursor);
      for (const { id, device } of page.candidates) {
        const task = draftTask(activation, id, device, { first, scopes: tenant.diskScopes }, now);
        result.total += 1;
        if (task.state === 'planned') {
          result.toRecover += 1;
          perWave.set(task.wave, (perWave.get(task.wave) ?? 0) + 1);
        } else if (task.skipReason) {
          result.skipped[task.skipReason] = (result.skipped[task.skipReason] ?? 0) + 1;
          if (result.skippedDevices.length < this.listedSkips)
            result.skippedDevices.push({ deviceId: id, reason: task.skipReason });
          else result.skippedDevicesNotListed += 1;
        }
      }
      cursor = page.next;
    } while (cursor && this.wallClock.now().getTime() - startedAt < this.budgetInMs);
    result.complete = cursor === undefined;
    result.waves = [...perWave]
      .sort(([a], [b]) => a - b)
      .map(([wave, devices]) => ({ wave, label: waveLabel(wave), devices }));
    return result;
  }
}
