/** The security log's aggregation on a clock the test moves: what it writes, how much, and when. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditTrail } from '../../src/app/AuditTrail';
import { SecurityLog, type SecurityEvent } from '../../src/app/SecurityLog';
import type { NewAuditRecord } from '../../src/domain/audit';
import type { AuditLog } from '../../src/ports/AuditLog';

function securityLogAt(maxRecordsPerWindow = 5) {
  const written: NewAuditRecord[] = [];
  const log: AuditLog = {
    append: async (record, at) => {
      written.push(record);
      return {
        ...record,
        id: String(written.length),
        at: at.toISOString(),
        region: 'westeurope',
      };
    },
    list: async () => ({ items: [] }),
  };
  const events: { event: string; properties: Record<string, unknown> }[] = [];
  const eventLog = {
    emit: (event: string, properties: Record<string, unknown>) => void events.push({ event, properties }),
  };
  const clock = { ms: Date.parse('2026-11-02T10:00:00Z'), now: () => new Date(clock.ms) };
  const trail = new AuditTrail(log, eventLog, clock, 'westeurope');
  const securityLog = new SecurityLog(log, trail, eventLog, clock, { maxRecordsPerWindow });
  return { securityLog, written, events, clock };
}

function refusal(overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    action: 'activateRecovery',
    target: 'tenants/5f0c3b1e-8f4a-4c1d-9a55-0b7e2d6c9f10/activations',
    status: 401,
    detail: 'missing-token',
    source: '198.51.100.7',
    actor: { kind: 'anonymous' },
    correlationId: 'c-1',
    ...overrides,
  };
}

describe('SecurityLog', () => {
  afterEach(() => vi.useRealTimers());

  it('counts the requests of one address, route and status in one record, written once the minute is over', async () => {
    const { securityLog, written, events, clock } = securityLogAt();
    for (let i = 0; i < 100; i++) securityLog.refused(refusal({ correlationId: `c-${i}` }));
    securityLog.refused(refusal({ status: 429, detail: 'too-many-requests', correlationId: 'c-429' }));
    await securityLog.flush();
    expect(written).toEqual([]);

    clock.ms += 60_000;
    await securityLog.flush();
    expect(written).toEqual([
      expect.objectContaining({
        tenantId: 'platform',
        actor: { kind: 'anonymous' },
        action: 'activateRecovery',
        status: 401,
        outcome: 'refused',
        source: '198.51.100.7',
        count: 100,
        correlationId: 'c-0',
      }),
      expect.objectContaining({ status: 429, count: 1, correlationId: 'c-429' }),
    ]);
    expect(events.map((e) => [e.event, e.properties['count']])).toEqual([
      ['security.refused', 100],
      ['security.refused', 1],
    ]);
  });

  it('writes at most its bound per minute from rotating addresses, the last record counting what it left out', async () => {
    const { securityLog, written, clock } = securityLogAt(5);
    for (let i = 0; i < 1000; i++)
      securityLog.refused(refusal({ source: `198.18.${i >> 8}.${i & 255}`, correlationId: `c-${i}` }));
    clock.ms += 60_000;
    await securityLog.flush();
    expect(written).toHaveLength(5);
    expect(written.slice(0, 4).map((r) => r.source)).toEqual([
      '198.18.0.0',
      '198.18.0.1',
      '198.18.0.2',
      '198.18.0.3',
    ]);
    expect(written[4]).toMatchObject({
      action: 'security.dropped',
      actor: { kind: 'system', region: 'westeurope' },
      count: 996,
      correlationId: 'c-4',
    });
  });

  it('writes an ended minute at the next refusal, which starts the next minute', async () => {
    const { securityLog, written, clock } = securityLogAt();
    securityLog.refused(refusal());
    clock.ms += 61_000;
    securityLog.refused(refusal({ correlationId: 'c-2' }));
    await vi.waitFor(() => expect(written).toHaveLength(1));
    clock.ms += 60_000;
    await securityLog.flush();
    expect(written.map((r) => [r.correlationId, r.count])).toEqual([
      ['c-1', 1],
      ['c-2', 1],
    ]);
  });

  it('writes a quiet minute on its timer, which keeps no process alive and stops once nothing is pending', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    const { securityLog, written, clock } = securityLogAt();
    securityLog.refused(refusal());
    expect(setInterval).toHaveBeenCalledTimes(1);
    const timer = setInterval.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);

    vi.advanceTimersByTime(60_000); // the clock has not moved: nothing is due
    expect(written).toEqual([]);
    clock.ms += 60_000;
    vi.advanceTimersByTime(15_000);
    await vi.waitFor(() => expect(written).toHaveLength(1));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes what it has counted when closed', async () => {
    const { securityLog, written } = securityLogAt();
    securityLog.refused(refusal());
    await securityLog.close();
    expect(written).toHaveLength(1);
  });
});
