/**
 * The devices an activation targets, read page by page in planning's order: the recover-first list,
 * then the scope (a device list, a region, or tiers one after another), with the first list's
 * devices left out of the scope's pages. Read-only: the activation's planning step and its preview
 * page through the same candidates.
 */
import type { Activation } from '../domain/activation';
import type { Device } from '../domain/device';
import type { Clock } from '../ports/Clock';
import type { DeviceRegistry } from '../ports/DeviceRegistry';
import { mapConcurrently } from './mapConcurrently';

/** Where reading goes on from: the first list by position, then the scope's pages. */
export interface PlanCursor {
  phase: 'first' | 'scope';
  /** Position in the first list or the device list; for tiers, the tier's position. */
  index: number;
  continuationToken?: string;
}

/** A device id the activation targets, with the device if it exists. */
export interface Candidate {
  id: string;
  device: Device | undefined;
}

export interface ScopePage {
  candidates: Candidate[];
  /** Where the next page starts; absent once the first list and the scope are read. */
  next: PlanCursor | undefined;
}

export interface ScopeReadSettings {
  /** Devices per page (the activity bound: 1,000). */
  pageSize: number;
  /** Point reads in flight for the listed devices. */
  concurrency: number;
}

export const firstCursor: PlanCursor = { phase: 'first', index: 0 };

export class ActivationScopeReader {
  constructor(
    private readonly devices: Pick<DeviceRegistry, 'get' | 'list'>,
    private readonly clock: Clock,
    private readonly settings: ScopeReadSettings,
  ) {}

  async page(
    activation: Pick<Activation, 'tenantId' | 'scope' | 'recoverFirst'>,
    cursor: PlanCursor = firstCursor,
  ): Promise<ScopePage> {
    if (cursor.phase === 'first') {
      const { pageSize } = this.settings;
      const ids = activation.recoverFirst.slice(cursor.index, cursor.index + pageSize);
      return {
        candidates: await this.read(activation.tenantId, ids),
        next:
          cursor.index + ids.length < activation.recoverFirst.length
            ? { phase: 'first', index: cursor.index + ids.length }
            : { phase: 'scope', index: 0 },
      };
    }
    const first = new Set(activation.recoverFirst);
    const page = await this.scopePage(activation, cursor);
    return { ...page, candidates: page.candidates.filter((c) => !first.has(c.id)) };
  }

  private async read(tenantId: string, ids: readonly string[]): Promise<Candidate[]> {
    return await mapConcurrently(ids, this.settings.concurrency, async (id) => ({
      id,
      device: await this.devices.get(tenantId, id),
    }));
  }

  private async scopePage(
    activation: Pick<Activation, 'tenantId' | 'scope'>,
    cursor: PlanCursor,
  ): Promise<ScopePage> {
    const { pageSize } = this.settings;
    const scope = activation.scope;
    if (scope.kind === 'devices') {
      const ids = scope.deviceIds.slice(cursor.index, cursor.index + pageSize);
      const end = cursor.index + ids.length;
      return {
        candidates: await this.read(activation.tenantId, ids),
        next: end < scope.deviceIds.length ? { phase: 'scope', index: end } : undefined,
      };
    }
    const tiers = scope.kind === 'tiers' ? scope.tiers : [undefined];
    const tier = tiers[cursor.index];
    const page = await this.devices.list(
      activation.tenantId,
      {
        ...(scope.region ? { primaryRegion: scope.region } : {}),
        ...(tier !== undefined ? { priorityTier: tier } : {}),
      },
      cursor.continuationToken ? { pageSize, continuationToken: cursor.continuationToken } : { pageSize },
      this.clock.now(),
    );
    let next: PlanCursor | undefined;
    if (page.continuationToken)
      next = { phase: 'scope', index: cursor.index, continuationToken: page.continuationToken };
    else if (cursor.index + 1 < tiers.length) next = { phase: 'scope', index: cursor.index + 1 };
    return { candidates: page.items.map((device) => ({ id: device.id, device })), next };
  }
}
