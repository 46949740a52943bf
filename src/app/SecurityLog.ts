/**
 * The deployment's security log: requests refused before authentication (401, 429, the 503 of an
 * unreachable issuer) and requests aimed at another tenant. None of them belongs in a tenant's
 * trail, and a flood of them must not become a flood of writes: they are counted per minute and
 * per (address, route, status, code, caller, target), and each minute writes at most a fixed number
 * of records into the platform partition of the audit table, plus what it had to leave out as a
 * count. Each record also goes to the event log as `security.refused` (`security.dropped`).
 */
import {
  outcomeOfStatus,
  platformAuditPartition,
  type AuditActor,
  type AuditFilter,
  type AuditRecord,
} from '../domain/audit';
import type { AuditLog } from '../ports/AuditLog';
import type { Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';
import type { Page, PageRequest } from '../ports/Page';
import type { AuditTrail } from './AuditTrail';

/** One refused request, as the HTTP pipeline reports it. */
export interface SecurityEvent {
  /** The route's operation id. */
  action: string;
  /** The route template with its validated ids. */
  target: string;
  status: number;
  /** The problem code. */
  detail?: string;
  /** The client address (see clientAddressOf). */
  source: string;
  /** `anonymous`, or the caller with its own tenant. */
  actor: AuditActor;
  correlationId: string;
}

export interface SecurityLogOptions {
  /** Records written per window, the count of what was left out included. */
  maxRecordsPerWindow: number;
  /** Default one minute. */
  windowInMs?: number;
}

interface Aggregate {
  event: SecurityEvent;
  count: number;
}

export class SecurityLog {
  private readonly windowInMs: number;
  /** Start of the window being counted, in the clock's milliseconds; undefined while it is empty. */
  private windowStart: number | undefined;
  private aggregates = new Map<string, Aggregate>();
  private dropped = 0;
  /** The correlation id of the first request left out, to find the count from it. */
  private firstDropped: string | undefined;
  private readonly writing = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: AuditLog,
    private readonly trail: AuditTrail,
    private readonly events: EventLog,
    private readonly clock: Clock,
    private readonly options: SecurityLogOptions,
  ) {
    if (options.maxRecordsPerWindow < 2) throw new RangeError('maxRecordsPerWindow must be at least 2');
    this.windowInMs = options.windowInMs ?? 60_000;
  }

  /** Counts a refused request; never waits and never throws, so the request is not slowed by it. */
  refused(event: SecurityEvent): void {
    const now = this.clock.now().getTime();
    this.rollOver(now);
    this.windowStart ??= now;
    const key = JSON.stringify([
      event.source,
      event.action,
      event.status,
      event.detail,
      event.target,
      event.actor,
    ]);
    const aggregate = this.aggregates.get(key);
    if (aggregate) aggregate.count += 1;
    // One record of the window is kept for the count of what did not fit.
    else if (this.aggregates.size < this.options.maxRecordsPerWindow - 1)
      this.aggregates.set(key, { event, count: 1 });
    else {
      this.dropped += 1;
      this.firstDropped ??= event.correlationId;
    }
    this.arm();
  }

  /** Writes the windows that have ended and waits for every write under way. */
  async flush(): Promise<void> {
    this.rollOver(this.clock.now().getTime());
    while (this.writing.size > 0) await Promise.all(this.writing);
  }

  /** Writes what is counted so far, ended or not, and stops the timer: at shutdown. */
  async close(): Promise<void> {
    this.rollOver(Number.POSITIVE_INFINITY);
    await this.flush();
  }

  /** The platform partition, newest first: these records and what platform admins did. */
  async page(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    await this.flush();
    return await this.log.list(platformAuditPartition, filter, page);
  }

  /** Every record of the platform partition matching the filter, for a CSV export. */
  async *all(filter: AuditFilter): AsyncIterable<AuditRecord> {
    await this.flush();
    let continuationToken: string | undefined;
    do {
      const page: Page<AuditRecord> = await this.log.list(platformAuditPartition, filter, {
        pageSize: 1000,
        ...(continuationToken ? { continuationToken } : {}),
      });
      yield* page.items;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  private rollOver(now: number): void {
    if (this.windowStart === undefined || now < this.windowStart + this.windowInMs) return;
    const aggregates = [...this.aggregates.values()];
    const dropped = { count: this.dropped, firstCorrelationId: this.firstDropped };
    this.aggregates = new Map();
    this.dropped = 0;
    this.firstDropped = undefined;
    this.windowStart = undefined;
    this.disarm();
    // The trail never throws; should the event log, a timer's write must not bring the process down.
    const write = this.write(aggregates, dropped)
      .catch(() => undefined)
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
  }

  private async write(
    aggregates: readonly Aggregate[],
    dropped: { count: number; firstCorrelationId: string | undefined },
  ): Promise<void> {
    const writes = aggregates.map(async ({ event, count }) => {
      this.events.emit('security.refused', {
        action: event.action,
        target: event.target,
        status: event.status,
        code: event.detail,
        source: event.source,
        actorKind: event.actor.kind,
        actorTenantId: 'tenantId' in event.actor ? event.actor.tenantId : undefined,
        count,
        region: this.trail.region,
      });
      await this.trail.record({
        tenantId: platformAuditPartition,
        actor: event.actor,
        action: event.action,
        target: event.target,
        outcome: outcomeOfStatus(event.status),
        status: event.status,
        ...(event.detail ? { detail: event.detail } : {}),
        correlationId: event.correlationId,
        source: event.source,
        count,
      });
    });
    if (dropped.count > 0) {
      this.events.emit('security.dropped', {
        count: dropped.count,
        correlationId: dropped.firstCorrelationId,
        region: this.trail.region,
      });
      writes.push(
        this.trail.record({
          tenantId: platformAuditPartition,
          actor: { kind: 'system', region: this.trail.region },
          action: 'security.dropped',
          target: 'platform/security-log',
          outcome: 'refused',
          detail: `refused requests beyond the ${this.options.maxRecordsPerWindow - 1} records of a window, counted only`,
          count: dropped.count,
          ...(dropped.firstCorrelationId ? { correlationId: dropped.firstCorrelationId } : {}),
        }),
      );
    }
    await Promise.all(writes);
  }

  /**
   * A window is written at the first request after it ends, or by this timer when none comes. It
   * reads the time from the clock, so a test's clock decides; unref'd, it keeps no process alive.
   */
  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.rollOver(this.clock.now().getTime()), this.windowInMs / 4);
    this.timer.unref();
  }

  private disarm(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
