/**
 * Records audit entries without ever costing the operation its outcome: a write is tried a few
 * times; if it still fails, the whole record goes to the event log as `audit.write-failed` (an
 * alert rule matches it), so the evidence survives in the logs and the caller still gets its answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NewAuditRecord } from '../domain/audit';
import { backoffDelay, type BackoffPolicy, type RandomSource } from '../domain/backoff';
import { ensureErrorType, UnavailableError } from '../domain/errors';
import type { AuditLog } from '../ports/AuditLog';
import type { Clock } from '../ports/Clock';
import type { EventLog } from '../ports/EventLog';

export interface AuditTrailOptions {
  /** Attempts per record. Default 3. */
  attempts?: number;
  /**
   * The longest wait before the second attempt, doubled for each next one (jittered: src/domain/backoff.ts).
   * Default 200 ms.
   */
  firstRetryDelayInMs?: number;
  /** No wait between attempts is longer. Default 2 s. */
  maxRetryDelayInMs?: number;
  /** The back-off's jitter (default `Math.random`): tests seed it. */
  random?: RandomSource;
}

export class AuditTrail {
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: RandomSource;

  constructor(
    private readonly log: AuditLog,
    private readonly events: EventLog,
    private readonly clock: Clock,
    readonly region: string,
    options: AuditTrailOptions = {},
  ) {
    this.attempts = options.attempts ?? 3;
    this.backoff = {
      baseInMs: options.firstRetryDelayInMs ?? 200,
      maxInMs: options.maxRetryDelayInMs ?? 2_000,
    };
    this.random = options.random ?? Math.random;
  }

  /** Appends the record; never throws. The time is taken once, so every attempt writes the same record. */
  async record(record: NewAuditRecord): Promise<void> {
    const at = this.clock.now();
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await this.log.append(record, at);
        return;
      } catch (err) {
        lastError = ensureErrorType(err);
        // The request's time is up, or the table's circuit is open: another try now cannot land.
        if (err instanceof UnavailableError && !err.worthRetryingNow) break;
        if (attempt < this.attempts) await sleep(backoffDelay(attempt, this.backoff, this.random));
      }
    }
    this.events.emit('audit.write-failed', {
      tenantId: record.tenantId,
      action: record.action,
      target: record.target,
      outcome: record.outcome,
      at: at.toISOString(),
      region: this.region,
      record: JSON.stringify(record),
      reason: lastError?.message,
    });
  }

  /** A DR event the control plane itself caused, in this region. */
  async system(
    tenantId: string,
    action: string,
    target: string,
    details: Pick<NewAuditRecord, 'outcome' | 'detail' | 'correlationId'> = { outcome: 'succeeded' },
  ): Promise<void> {
    await this.record({
      tenantId,
      actor: { kind: 'system', region: this.region },
      action,
      target,
      ...details,
    });
  }
}
