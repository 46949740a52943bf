/**
 * What an admin asks of disaster recovery: activate, watch, cancel, deactivate. Requests are
 * recorded in the state store first; the orchestrations they start are drivers of that record.
 */
import { createHash } from 'node:crypto';
import { orchestrationInstanceId, type Activation, type ActivationScope } from '../domain/activation';
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors';
import type { ActivationStore, TaskFilter } from '../ports/ActivationStore';
import { systemClock, type Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';
import type { OrchestrationClient } from '../ports/OrchestrationClient';
import type { Page, PageRequest } from '../ports/Page';
import { activationReport, recoveryRow, type ActivationReport, type RecoveryRow } from './activationReport';
import type { TenantService } from './TenantService';
import { ActivationOrchestrations, type ActivationDriverInput } from './activationOrchestrations';

export interface ActivateRequest {
  tenantId: string;
  idempotencyKey: string;
  scope: ActivationScope;
  recoverFirst: string[];
  waveDeadlineMinutes: number;
  requestedBy: string;
}

export interface ActivationServiceDependencies {
  store: ActivationStore;
  tenants: TenantService;
  knownRegions: ReadonlySet<string>;
  /** The control-plane region this process runs in: it drives what it starts. */
  region: string;
  clock: Clock;
  events: EventLog;
  /** Leases are judged on wall-clock time, as the drivers' timers run on it, not the business clock. Default: the system clock. */
  wallClock?: Clock;
}

export interface ActivationServiceOptions {
  /** How long a driver's lease lasts without renewal before another region may adopt it. */
  leaseInMs: number;
  /** How often a driver polls a wave's counters while it waits. */
  pollIntervalInMs: number;
}

/** Planning that ended this close to a status read (or after it) makes it read the counts again: clocks of two regions differ. */
const planEndedMarginInMs = 10_000;

export class ActivationService {
  private readonly store: ActivationStore;
  private readonly tenants: TenantService;
  private readonly knownRegions: ReadonlySet<string>;
  private readonly region: string;
  private readonly clock: Clock;
  private readonly events: EventLog;
  private readonly wallClock: Clock;

  constructor(
    dependencies: ActivationServiceDependencies,
    private readonly options: ActivationServiceOptions,
  ) {
    this.store = dependencies.store;
    this.tenants = dependencies.tenants;
    this.knownRegions = dependencies.knownRegions;
    this.region = dependencies.region;
    this.clock = dependencies.clock;
    this.events = dependencies.events;
    this.wallClock = dependencies.wallClock ?? systemClock;
  }

  /**
   * Records the activation once per idempotency key and starts its driver. A repeated request
   * returns the same activation (and starts its driver again if the first start was lost);
   * the same key with a different request is refused.
   */
  async activate(
    request: ActivateRequest,
    orchestrations: OrchestrationClient,
  ): Promise<{ activation: Activation; created: boolean }> {
    const tenant = await this.tenants.get(request.tenantId);
    checkActivationScope(request.scope, this.knownRegions);
    const fingerprint = {
      scope: request.scope,
      recoverFirst: request.recoverFirst,
      waveDeadlineMinutes: request.waveDeadlineMinutes,
    };
    const id = activationIdFor(tenant.id, request.idempotencyKey);
    const requestHash = hashOf(fingerprint);
    const now = this.clock.now();
    let activation = await this.store.get(tenant.id, id);
    let created = false;
    if (!activation) {
      try {
        activation = await this.store.create({
          id,
          tenantId: tenant.id,
          idempotencyKey: request.idempotencyKey,
          requestHash,
          ...fingerprint,
          state: 'planning',
          requestedBy: request.requestedBy,
          requestedAt: now.toISOString(),
          waves: [],
          owner: {
            region: this.region,
            epoch: 1,
            leaseUntil: this.leaseUntil(),
          },
          updatedAt: now.toISOString(),
        });
        created = true;
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === 'activation-exists')) throw err;
        activation = await this.store.get(tenant.id, id);
        if (!activation) throw err;
      }
    }
    if (activation.requestHash !== requestHash) {
      throw new ConflictError(
        'idempotency-key-reused',
        `Idempotency key "${request.idempotencyKey}" was used for a different activation request (${activation.id})`,
      );
    }
    // Also on a retry of the request while the activation is still planning: a first attempt that
    // created it but did not get this far (a 503 on its deadline) is completed by the retry.
    if (request.scope.kind === 'region' && (created || activation.state === 'planning')) {
      // Scheduling pauses and retention keeps every point of a region in outage.
      await this.tenants.setRegionOutage(tenant.id, request.scope.region, true);
    }
    if (created) {
      this.events.emit('activation.requested', {
        tenantId: tenant.id,
        activationId: id,
        scope: request.scope.kind,
        requestedBy: request.requestedBy,
      });
    }
    if (activation.state === 'planning' && activation.owner.region === this.region) {
      await this.startDriver(orchestrations, activation, 'activate');
    }
    return { activation, created };
  }

  /**
   * The three reads go out at once: the status is polled while the store is busiest (the
   * activation's own writes), and each read waits its turn there. The counts are only returned
   * once the tenant and the activation are found. Read at once, the counts may predate the
   * activation as read: right after planning ended they could miss its last page, and a share of
   * fewer devices than are in scope could exceed the next poll's (`percentComplete` never falls).
   * So when planning ended about when the reads went out, the counts are read again, after.
   */
  async get(tenantId: string, id: string): Promise<ActivationReport> {
    const asked = this.clock.now().getTime();
    const [, activation, counts] = await Promise.all([
      this.tenants.get(tenantId),
      this.store.get(tenantId, id),
      this.store.counts(id),
    ]);
    if (!activation) throw new NotFoundError(`Activation ${id}`);
    const planEnded = activation.plannedAt ? Date.parse(activation.plannedAt) : undefined;
    const fresh =
      planEnded !== undefined && planEnded >= asked - planEndedMarginInMs
        ? await this.store.counts(id)
        : counts;
    return activationReport(activation, fresh, this.clock.now());
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Activation>> {
    await this.tenants.get(tenantId);
    return await this.store.list(tenantId, page);
  }

  async devices(
    tenantId: string,
    id: string,
    filter: TaskFilter,
    page: PageRequest,
  ): Promise<Page<RecoveryRow>> {
    const activation = await this.require(tenantId, id);
    const tasks = await this.store.listTasks(id, filter, page);
    return { ...tasks, items: tasks.items.map((task) => recoveryRow(task, activation)) };
  }

  /** Stops dispatching; devices already recovered keep their temporary devices. */
  async cancel(tenantId: string, id: string, by: string): Promise<Activation> {
    for (;;) {
      const activation = await this.require(tenantId, id);
      if (activation.state !== 'planning' && activation.state !== 'recovering') return activation;
      const now = this.clock.now().toISOString();
      try {
        const cancelled = await this.store.replace(
          { ...activation, state: 'cancelled', cancelledAt: now, updatedAt: now },
          activation.version!,
        );
        this.events.emit('activation.cancelled', { tenantId, activationId: id, by });
        return cancelled;
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === 'precondition-failed')) throw err;
      }
    }
  }

  /**
   * Releases every temporary device of the activation and returns its devices to their primaries.
   * Repeating it is harmless; it also stops an activation still recovering.
   */
  async deactivate(
    tenantId: string,
    id: string,
    by: string,
    orchestrations: OrchestrationClient,
  ): Promise<Activation> {
    for (;;) {
      const activation = await this.require(tenantId, id);
      if (activation.state === 'deactivated') return activation;
      if (activation.state === 'deactivating') {
        if (activation.owner.region === this.region)
          await this.startDriver(orchestrations, activation, 'deactivate');
        return activation;
      }
      const now = this.clock.now();
      try {
        // The deactivation is driven from here, by a new epoch: the activation's driver stops at its next step.
        const deactivating = await this.store.replace(
          {
            ...activation,
            state: 'deactivating',
            deactivationRequestedBy: by,
            deactivationRequestedAt: now.toISOString(),
            owner: {
              region: this.region,
              epoch: activation.owner.epoch + 1,
              leaseUntil: this.leaseUntil(),
            },
            updatedAt: now.toISOString(),
          },
          activation.version!,
        );
        this.events.emit('activation.deactivation-requested', { tenantId, activationId: id, by });
        await this.startDriver(orchestrations, deactivating, 'deactivate');
        return deactivating;
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === 'precondition-failed')) throw err;
      }
    }
  }

  /** Starts (or finds running) the driver of the activation's current epoch. */
  async startDriver(
    orchestrations: OrchestrationClient,
    activation: Activation,
    kind: 'activate' | 'deactivate',
  ): Promise<void> {
    const input: ActivationDriverInput = {
      tenantId: activation.tenantId,
      activationId: activation.id,
      epoch: activation.owner.epoch,
      pollIntervalInMs: this.options.pollIntervalInMs,
    };
    await orchestrations.startNew(
      kind === 'activate' ? ActivationOrchestrations.activate : ActivationOrchestrations.deactivate,
      { instanceId: orchestrationInstanceId(activation.id, activation.owner.epoch, kind), input },
    );
  }

  private leaseUntil(): string {
    return new Date(this.wallClock.now().getTime() + this.options.leaseInMs).toISOString();
  }

  private async require(tenantId: string, id: string): Promise<Activation> {
    await this.tenants.get(tenantId);
    const activation = await this.store.get(tenantId, id);
    if (!activation) throw new NotFoundError(`Activation ${id}`);
    return activation;
  }
}

/** Refuses a region this deployment does not know: the activation and its preview alike. */
export function checkActivationScope(scope: ActivationScope, knownRegions: ReadonlySet<string>): void {
  const region = scope.kind === 'devices' ? undefined : scope.region;
  if (region !== undefined && !knownRegions.has(region)) {
    throw new RuleViolationError(
      'unknown-region',
      `Region "${region}" is not one this deployment knows (${[...knownRegions].join(', ')})`,
      'body.scope.region',
    );
  }
}

/** Deterministic from tenant and key, so a repeated request finds the activation it made. */
export function activationIdFor(tenantId: string, idempotencyKey: string): string {
  return `act-${hashOf(`${tenantId.toLowerCase()}\n${idempotencyKey}`).slice(0, 24)}`;
}

function hashOf(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('hex');
}
